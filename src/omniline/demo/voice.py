"""Demo content for the `voice` channel: a PBX on the CTI event API and three calls.

Анна (known from the app and SMS) hung up while waiting: her call is abandoned and owes her a
callback task on her open case. Ольга left a voicemail: another callback. 王芳 got through: her call
was answered, ended and recorded. Events are built by the adapter's own code with fixed call ids, so
loading again stores nothing new.
"""

from datetime import timedelta
from typing import Any

from omniline.accounts.models import Tenant
from omniline.bootstrap import Container
from omniline.channels.voice.events import call_event, ivr_meta
from omniline.customers.identities import normalise_phone
from omniline.demo.setup import ensure_demo_channel
from omniline.pipeline.ingest import ingest_message

CHANNEL_NAME = "Phone (PBX) / Телефон"
CONFIG = {"provider": "cti", "ivr_topics": {"1": "delivery", "2": "refund"}}
OUR_NUMBER = "+74950000000"

# (call id, caller, [(event, minutes ago, meta)])
CALLS: tuple[tuple[str, str, tuple[tuple[str, int, dict[str, Any]], ...]], ...] = (
    (
        "demo-call-1",
        "+7 916 123-45-67",
        (
            ("call.started", 25 * 60, {"ivr_digits": "1"}),
            ("call.queued", 25 * 60 - 1, {"queue": "support"}),
            ("call.abandoned", 25 * 60 - 4, {"queue": "support"}),
        ),
    ),
    (
        "demo-call-2",
        "8 (903) 555-12-34",
        (
            ("call.started", 7 * 60, {}),
            (
                "voicemail",
                7 * 60 - 1,
                {"duration": 27, "url": "https://pbx.demo.omniline.local/vm/demo-call-2.wav"},
            ),
        ),
    ),
    (
        "demo-call-3",
        "+86 138 0013 8000",
        (
            ("call.started", 28 * 60, {"ivr_digits": "2"}),
            ("call.queued", 28 * 60 - 1, {"queue": "support"}),
            ("call.answered", 28 * 60 - 2, {"queue": "support", "agent_email": "agent2@demo.omniline.local"}),
            ("call.ended", 28 * 60 - 5, {"duration": 184}),
            (
                "recording",
                28 * 60 - 5,
                {"duration": 184, "url": "https://pbx.demo.omniline.local/rec/demo-call-3.wav"},
            ),
        ),
    ),
)


def load_voice_demo(container: Container, tenant: Tenant) -> int:
    """Create the demo PBX channel once and replay its calls; returns the new messages stored."""
    now = container.clock()
    info = ensure_demo_channel(container, tenant, kind="voice", name=CHANNEL_NAME, config=CONFIG)
    created = 0
    for call_id, caller, events in CALLS:
        number = normalise_phone(caller, region=tenant.default_region)
        for event, minutes_ago, details in events:
            moment = now - timedelta(minutes=minutes_ago)
            extra = dict(details)
            digits = extra.pop("ivr_digits", None)
            meta = {"to": OUR_NUMBER} | extra | ivr_meta(digits, info.config["ivr_topics"])
            message = call_event(
                info,
                call_id=call_id,
                event=event,
                caller=number,
                at=moment,
                meta=meta,
                external_suffix=":demo" if event == "recording" else "",
            )
            with container.uow() as uow:
                result = ingest_message(uow, info, message, now=moment)
                uow.commit()
            created += not result.duplicate
    return created

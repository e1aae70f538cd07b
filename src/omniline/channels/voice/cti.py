"""The generic CTI event API: any PBX (Asterisk, FreeSWITCH, …) posts one signed JSON event per call
step to `/hooks/{channel_id}`, signed like the `api` channel (`X-Omniline-Signature`, HMAC-SHA256 of
the body with the channel secret):

    {"event": "call.started", "call_id": "1700000000.42", "from": "+79161234567", "to": "+74950000000",
     "at": "2026-11-23T10:00:00Z", "queue": "support", "ivr_digits": "1"}

Events: call.started, call.queued, call.answered (agent_email), call.ended (duration), call.abandoned,
voicemail (recording_url, duration), recording (recording_url, duration). `direction` "outbound" makes
`to` the customer. A withheld caller id is acknowledged and not stored (nobody to call back).
"""

import hashlib
import json
from typing import Any, Literal

from pydantic import AnyHttpUrl, AwareDatetime, BaseModel, ConfigDict, Field, ValidationError

from omniline.channels.base import ChannelInfo, HookRequest, HookResponse, InboundBatch
from omniline.channels.signing import SIGNATURE_HEADER, signature_matches
from omniline.channels.voice.events import call_event, is_withheld, ivr_meta
from omniline.customers.identities import normalise_phone
from omniline.kernel.errors import InvalidInput, MalformedInput, Unauthenticated

CtiEventName = Literal[
    "call.started", "call.queued", "call.answered", "call.ended", "call.abandoned", "voicemail", "recording"
]
NOT_STORED = HookResponse(
    status=202,
    body=json.dumps({"items": [], "ignored": "the caller id is withheld"}).encode(),
    content_type="application/json",
)


class CtiEvent(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    event: CtiEventName
    call_id: str = Field(min_length=1, max_length=200)
    caller: str = Field(alias="from", max_length=100)
    to: str = Field(max_length=100)
    at: AwareDatetime
    direction: Literal["inbound", "outbound"] = "inbound"
    agent_email: str | None = Field(default=None, max_length=320)
    duration: int | None = Field(default=None, ge=0, le=7 * 24 * 3600)
    recording_url: AnyHttpUrl | None = None
    queue: str | None = Field(default=None, min_length=1, max_length=100)
    ivr_digits: str | None = Field(default=None, pattern=r"^[0-9*#]{1,32}$")


def parse_cti(channel: ChannelInfo, request: HookRequest) -> InboundBatch:
    if request.method != "POST" or request.subpath:
        raise InvalidInput("a cti voice channel accepts POST /hooks/{channel_id} only")
    if not signature_matches(channel.secret, request.body, request.headers.get(SIGNATURE_HEADER.lower())):
        raise Unauthenticated(f"missing or wrong {SIGNATURE_HEADER}", code="bad_signature")
    try:
        body = CtiEvent.model_validate_json(request.body)
    except ValidationError as error:
        raise _invalid(error) from None
    if body.event == "recording" and body.recording_url is None:
        raise InvalidInput("recording_url: a recording event needs the recording's URL")
    raw_caller = body.to if body.direction == "outbound" else body.caller
    if is_withheld(raw_caller):
        return InboundBatch(response=NOT_STORED)
    caller = normalise_phone(raw_caller, region=channel.phone_region)  # InvalidInput: the PBX's to fix
    suffix = ""
    if body.event == "recording":  # a call may be recorded in several parts
        suffix = ":" + hashlib.sha256(str(body.recording_url).encode()).hexdigest()[:16]
    message = call_event(
        channel,
        call_id=body.call_id,
        event=body.event,
        caller=caller,
        at=body.at,
        meta=_meta(body, channel),
        external_suffix=suffix,
    )
    return InboundBatch([message])


def _meta(body: CtiEvent, channel: ChannelInfo) -> dict[str, Any]:
    meta: dict[str, Any] = {"to": body.to}
    if body.direction == "outbound":
        meta |= {"direction": "outbound", "from": body.caller}
    optional = {
        "queue": body.queue,
        "agent_email": body.agent_email.strip().lower() if body.agent_email else None,
        "duration": body.duration,
        "url": str(body.recording_url) if body.recording_url else None,
    }
    meta |= {key: value for key, value in optional.items() if value is not None}
    return meta | ivr_meta(body.ivr_digits, channel.config["ivr_topics"])


def _invalid(error: ValidationError) -> InvalidInput:
    problems = "; ".join(
        f"{'.'.join(str(part) for part in item['loc']) or 'body'}: {item['msg']}" for item in error.errors()
    )
    if any(item["type"] == "json_invalid" for item in error.errors()):
        return MalformedInput(f"the body is not valid JSON: {problems}")
    return InvalidInput(problems)

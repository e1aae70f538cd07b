"""Voice benchmark: call events through the whole hook, in process, for both ways in.

    .venv/bin/python bench/voice.py [--database-url URL] [--n 2000] [--quick]

Each request goes through `process_hook` from channels/hooks.py (load the channel, verify, parse,
ingest in one transaction, commit) against a fresh migrated database, as in bench/sms.py:

- `voice_twilio_webhook`: Twilio's signed forms — the incoming call (answered with TwiML), then its
  status callbacks (in-progress, completed) or, for ~15% of calls, no-answer, and for ~10% a hang-up
  in the queue (<Enqueue> action); missed and abandoned calls create callback tasks.
- `voice_cti_webhook`: a PBX's signed JSON events — call.started, call.queued, then call.answered,
  call.ended and a recording, or (~20%) call.abandoned (a callback task).

Workload (seed 13): ~40% of calls from new numbers. N is the number of requests (events), not calls.
Target ≥ 1,000 requests/s.
"""

import json
import random
import sys
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from _support import backend_of, bench_args, bench_channel, emit, throwaway_database, time_hooks, warmup_count
from omniline.channels.base import ChannelInfo, HookRequest
from omniline.channels.signing import sign_body
from sms import ACCOUNT_SID, AUTH_TOKEN, PUBLIC_URL, signed_form

QUICK_N = 300
DEFAULT_N = 2_000


def callers(rng: random.Random) -> Any:
    known: list[str] = []
    while True:
        if not known or rng.random() < 0.40:
            known.append(f"+7903{rng.randrange(10**7):07d}")
            yield known[-1]
        else:
            yield rng.choice(known)


def twilio_workload(channel: ChannelInfo, n: int) -> list[HookRequest]:
    rng = random.Random(13)
    numbers = callers(rng)
    requests: list[HookRequest] = []
    while len(requests) < n:
        sid = f"CA{uuid.uuid4().hex}"
        call = {"CallSid": sid, "AccountSid": ACCOUNT_SID, "From": next(numbers), "To": "+15005550006",
                "Direction": "inbound", "ApiVersion": "2010-04-01"}  # fmt: skip
        requests.append(signed_form(channel, call | {"CallStatus": "ringing"}))
        roll = rng.random()
        if roll < 0.15:
            requests.append(
                signed_form(channel, call | {"CallStatus": "no-answer", "CallDuration": "0"}, "status")
            )
        elif roll < 0.25:
            requests.append(
                signed_form(
                    channel, call | {"QueueResult": "hangup", "QueueTime": str(rng.randrange(300))}, "queue"
                )
            )
        else:
            requests.append(signed_form(channel, call | {"CallStatus": "in-progress"}, "status"))
            duration = str(rng.randrange(20, 900))
            requests.append(
                signed_form(channel, call | {"CallStatus": "completed", "CallDuration": duration}, "status")
            )
    return requests[:n]


def cti_workload(channel: ChannelInfo, n: int) -> list[HookRequest]:
    rng = random.Random(13)
    numbers = callers(rng)
    moment = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)
    requests: list[HookRequest] = []
    while len(requests) < n:
        call_id = f"{1763880000 + len(requests)}.{rng.randrange(1000)}"
        base = {"call_id": call_id, "from": next(numbers), "to": "+74950000000"}
        steps: list[dict[str, Any]] = [{"event": "call.started", "ivr_digits": rng.choice("12")}]
        steps.append({"event": "call.queued", "queue": "support"})
        if rng.random() < 0.20:
            steps.append({"event": "call.abandoned", "queue": "support"})
        else:
            duration = rng.randrange(20, 900)
            steps += [
                {"event": "call.answered", "agent_email": "agent1@bench.example"},
                {"event": "call.ended", "duration": duration},
                {
                    "event": "recording",
                    "duration": duration,
                    "recording_url": f"https://pbx.example/{call_id}.wav",
                },
            ]
        for step in steps:
            moment += timedelta(seconds=5)
            body = json.dumps(base | step | {"at": moment.isoformat()}).encode()
            requests.append(
                HookRequest(
                    method="POST",
                    subpath="",
                    url=f"{PUBLIC_URL}/hooks/{channel.id}",
                    headers={"x-omniline-signature": sign_body(channel.secret, body)},
                    query={},
                    body=body,
                )
            )
    return requests[:n]


def run(url: str, n: int, provider: str) -> dict[str, Any]:
    config: dict[str, Any] = {"provider": provider, "ivr_topics": {"1": "delivery", "2": "refund"}}
    if provider == "twilio":
        config |= {"account_sid": ACCOUNT_SID, "auth_token": AUTH_TOKEN}
    container, channel = bench_channel(url, "voice", config, public_url=PUBLIC_URL)
    warm = warmup_count(n)
    build = twilio_workload if provider == "twilio" else cti_workload
    try:
        timed = time_hooks(container, channel, build(channel, warm + n), warm=warm, cpu=True)
    finally:
        container.close()
    return {"bench": f"voice_{provider}_webhook", "backend": backend_of(url), "n": n} | timed


def main(argv: list[str] | None = None) -> int:
    args = bench_args(
        __doc__, argv, default_n=DEFAULT_N, quick_n=QUICK_N, n_help="requests (call events) to measure"
    )
    for provider in ("twilio", "cti"):
        with throwaway_database(args.database_url, label=f"voice_{provider}") as url:
            emit(run(url, args.n, provider))
    return 0


if __name__ == "__main__":
    sys.exit(main())

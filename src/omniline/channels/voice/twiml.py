"""The TwiML a Twilio voice channel answers with: greet, offer the IVR menu if there is one, queue.

<Enqueue> holds the caller in the channel's queue until an agent dequeues them; its action URL tells
us how the wait ended (an abandoned call becomes a callback task).
"""

from xml.sax.saxutils import escape, quoteattr

from omniline.channels.base import HookResponse

XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>'


def twiml(*verbs: str) -> HookResponse:
    body = f"{XML_DECLARATION}<Response>{''.join(verbs)}</Response>"
    return HookResponse(status=200, body=body.encode(), content_type="text/xml")


def say(text: str, language: str | None) -> str:
    attributes = f" language={quoteattr(language)}" if language else ""
    return f"<Say{attributes}>{escape(text)}</Say>"


def gather(inner: str, *, action: str) -> str:
    """One key press posted back to `action`; without one, TwiML goes on to the next verb."""
    return f'<Gather numDigits="1" timeout="5" method="POST" action={quoteattr(action)}>{inner}</Gather>'


def enqueue(queue: str, *, action: str) -> str:
    return f'<Enqueue method="POST" action={quoteattr(action)}>{escape(queue)}</Enqueue>'


def answer_incoming_call(config: dict[str, object], hook_url: str) -> HookResponse:
    """Greet (inside a one-digit menu when the channel has IVR topics), then queue the caller."""
    language = config.get("language")
    greeting = say(str(config["greeting"]), str(language) if language else None)
    queue = enqueue(str(config["queue"]), action=f"{hook_url}/queue")
    if config.get("ivr_topics"):
        return twiml(gather(greeting, action=hook_url), queue)
    return twiml(greeting, queue)


def answer_menu_choice(config: dict[str, object], hook_url: str) -> HookResponse:
    return twiml(enqueue(str(config["queue"]), action=f"{hook_url}/queue"))


EMPTY = twiml()

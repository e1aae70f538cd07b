"""Reading a Twilio webhook: check `X-Twilio-Signature` over the form first, then parse it strictly.

Twilio posts `application/x-www-form-urlencoded` UTF-8 bodies, and its signature covers the decoded
parameters, so the body has to be read before it can be verified. It is read leniently for the check
(whatever a stranger sends gets a 401, never a hint about the body) and strictly afterwards (a signed
body that is not a form is a 400).
"""

from urllib.parse import parse_qsl

from omniline.channels.base import HookRequest
from omniline.channels.sms.signature import SIGNATURE_HEADER, twilio_signature_matches
from omniline.kernel.errors import InvalidInput, MalformedInput, Unauthenticated

MAX_FIELDS = 200  # Twilio sends ~40 for an MMS with ten pictures; more is not Twilio


def verified_form(request: HookRequest, auth_token: str) -> dict[str, str]:
    """The signed form of a Twilio webhook, one value per name.

    Raises InvalidInput for a method other than POST, Unauthenticated for a missing or wrong
    signature, MalformedInput for a signed body that is not a UTF-8 form.
    """
    if request.method != "POST":
        raise InvalidInput("Twilio webhooks must use HTTP POST; set the number's webhook method to POST")
    loose = parse_qsl(request.body.decode("utf-8", "replace"), keep_blank_values=True)
    if not twilio_signature_matches(
        auth_token, request.url, loose, request.headers.get("x-twilio-signature")
    ):
        raise Unauthenticated(f"missing or wrong {SIGNATURE_HEADER}", code="bad_signature")
    try:
        pairs = parse_qsl(
            request.body.decode("utf-8"),
            keep_blank_values=True,
            strict_parsing=bool(request.body),
            errors="strict",
            max_num_fields=MAX_FIELDS,
        )
    except (UnicodeDecodeError, ValueError) as error:
        raise MalformedInput(
            f"the body is not a UTF-8 form (application/x-www-form-urlencoded): {error}",
            code="malformed_form",
        ) from None
    form: dict[str, str] = {}
    for name, value in pairs:
        if name in form and form[name] != value:
            raise InvalidInput(f"the form parameter {name!r} is given twice with different values")
        form[name] = value
    return form


def required(form: dict[str, str], *names: str) -> list[str]:
    """The values of `names`, stripped; InvalidInput naming every one that is missing or empty."""
    missing = [name for name in names if not form.get(name, "").strip()]
    if missing:
        raise InvalidInput(f"the Twilio request lacks {', '.join(missing)}")
    return [form[name].strip() for name in names]

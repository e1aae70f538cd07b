"""The exception tree of omniline. Every error a client can cause maps to one 4xx status.

OmnilineError                      base; never raised itself
├── InvalidInput        422        the request breaks a rule (a field, a value, a state)
│   └── MalformedInput  400        the body cannot even be parsed (not JSON, not XML, …)
├── Unauthenticated     401        no, expired or wrong credentials or signature
├── PermissionDenied    403        the actor may not do this
├── NotFound            404        no such thing in the actor's tenant
├── Conflict            409        the thing's state forbids the action (e.g. already merged)
├── PayloadTooLarge     413        the body exceeds the configured limit
├── TooManyAttempts     429        too many failed attempts (sign-in); `retry_after_seconds` says when
└── TemporarilyUnavailable 503     contention we could not resolve now; the caller should retry

Services raise these; the web edge turns them into `{"error": {"code", "message"}}`, the CLI into
a one-line message and exit code 2.
"""


class OmnilineError(Exception):
    status_code = 400
    code = "error"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code


class InvalidInput(OmnilineError):
    status_code = 422
    code = "invalid_input"


class MalformedInput(InvalidInput):
    status_code = 400
    code = "malformed_json"


class Unauthenticated(OmnilineError):
    status_code = 401
    code = "unauthenticated"


class PermissionDenied(OmnilineError):
    status_code = 403
    code = "permission_denied"


class NotFound(OmnilineError):
    status_code = 404
    code = "not_found"


class Conflict(OmnilineError):
    status_code = 409
    code = "conflict"


class PayloadTooLarge(OmnilineError):
    status_code = 413
    code = "payload_too_large"


class TooManyAttempts(OmnilineError):
    status_code = 429
    code = "too_many_attempts"

    def __init__(self, message: str, *, retry_after_seconds: int, code: str | None = None) -> None:
        super().__init__(message, code=code)
        self.retry_after_seconds = retry_after_seconds


class TemporarilyUnavailable(OmnilineError):
    status_code = 503
    code = "temporarily_unavailable"

"""How an HTTP answer from a provider maps to a send result: what is worth retrying and what is not."""

import httpx

from omniline.channels.base import SendResult

# Timeouts, throttling and server errors pass; other client errors will fail the same way again.
RETRYABLE_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})


def result_from_response(response: httpx.Response, provider_message_id: str | None = None) -> SendResult:
    if response.is_success:
        return SendResult(ok=True, provider_message_id=provider_message_id)
    retryable = response.status_code in RETRYABLE_STATUSES or response.status_code >= 500
    return SendResult(
        ok=False,
        retryable=retryable,
        error=f"HTTP {response.status_code}: {response.text[:300]}",
        retry_after_seconds=_retry_after(response),
    )


def result_from_transport_error(error: httpx.HTTPError) -> SendResult:
    return SendResult(ok=False, retryable=True, error=f"{type(error).__name__}: {error}")


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after", "")
    try:
        return max(0.0, float(value))
    except ValueError:
        return None

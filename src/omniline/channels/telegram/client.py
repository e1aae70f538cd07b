"""Calls to the Bot API (https://core.telegram.org/bots/api#making-requests) through `httpx`.

Every answer is `{"ok": true, "result": …}` or `{"ok": false, "error_code", "description",
"parameters": {"retry_after": N}}`. `send_message` maps the outcome onto a SendResult for the
outbox; the others raise `BotApiError`, for the CLI and for attachment downloads to report.
"""

from typing import Any

import httpx

from omniline.channels.base import SendResult
from omniline.channels.http_results import RETRYABLE_STATUSES
from omniline.channels.telegram.config import TelegramConfig


class BotApiError(Exception):
    """A Bot API call that did not succeed; `status` is None for a network failure."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


def call(http: httpx.Client, config: TelegramConfig, method: str, payload: dict[str, Any]) -> Any:
    """POST a method with a JSON body; its `result`, or BotApiError."""
    try:
        response = http.post(config.method_url(method), json=payload)
    except httpx.HTTPError as error:
        raise BotApiError(f"{method}: {type(error).__name__}: {error}") from None
    body = _json(response)
    if response.is_success and body.get("ok") is True:
        return body.get("result")
    raise BotApiError(f"{method}: {_describe(response, body)}", status=response.status_code)


def download_file(
    http: httpx.Client, config: TelegramConfig, file_id: str, *, max_bytes: int
) -> tuple[bytes, str]:
    """getFile, then the bytes from `/file/bot<token>/<file_path>`: (data, file_path).
    BotApiError when either step fails or the file is larger than `max_bytes`."""
    result = call(http, config, "getFile", {"file_id": file_id})
    file_path = result.get("file_path") if isinstance(result, dict) else None
    if not isinstance(file_path, str) or not file_path:
        raise BotApiError("getFile: no file_path in the answer (the file may be too big for bots)")
    size = result.get("file_size")
    if isinstance(size, int) and size > max_bytes:
        raise BotApiError(f"the file is larger than {max_bytes} bytes")
    try:
        with http.stream("GET", config.file_url(file_path)) as response:
            if not response.is_success:
                raise BotApiError(f"download: HTTP {response.status_code}", status=response.status_code)
            data = bytearray()
            for chunk in response.iter_bytes():
                data += chunk
                if len(data) > max_bytes:  # the size getFile announced is not a promise
                    raise BotApiError(f"the file is larger than {max_bytes} bytes")
    except httpx.HTTPError as error:
        raise BotApiError(f"download: {type(error).__name__}: {error}") from None
    return bytes(data), file_path


def send_message(http: httpx.Client, config: TelegramConfig, chat_id: int, text: str) -> SendResult:
    """sendMessage; retryable on network errors, 5xx and 429 (with Telegram's `retry_after`)."""
    try:
        response = http.post(config.method_url("sendMessage"), json={"chat_id": chat_id, "text": text})
    except httpx.HTTPError as error:
        return SendResult(ok=False, retryable=True, error=f"{type(error).__name__}: {error}")
    body = _json(response)
    if response.is_success and body.get("ok") is True:
        result = body.get("result")
        message_id = result.get("message_id") if isinstance(result, dict) else None
        return SendResult(ok=True, provider_message_id=str(message_id) if message_id is not None else None)
    status = response.status_code
    return SendResult(
        ok=False,
        # 400 (chat not found, text refused), 401 (revoked token), 403 (the user blocked the bot):
        # the same request will fail the same way again.
        retryable=status in RETRYABLE_STATUSES or status >= 500,
        error=_describe(response, body),
        retry_after_seconds=_retry_after(body),
    )


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _describe(response: httpx.Response, body: dict[str, Any]) -> str:
    description = body.get("description") or response.text[:300]
    return f"HTTP {response.status_code}: {description}"


def _retry_after(body: dict[str, Any]) -> float | None:
    parameters = body.get("parameters")
    value = parameters.get("retry_after") if isinstance(parameters, dict) else None
    if isinstance(value, int | float) and not isinstance(value, bool) and value >= 0:
        return float(value)
    return None

"""WeChat's HTTP API: access tokens and customer-service messages, with errors mapped for the outbox.

WeChat answers most errors with HTTP 200 and `{"errcode": N, "errmsg": "…"}`. Retryable: transport
errors, 5xx/429, errcode -1 (system busy) and the rate limits; a refused token (40001, 40014, 42001)
is refreshed once and the call repeated; every other errcode is permanent.
"""

import functools
import json
import uuid
from dataclasses import replace
from datetime import timedelta
from typing import Any

import httpx

from omniline.channels.base import SendResult
from omniline.channels.http_results import result_from_response, result_from_transport_error
from omniline.channels.wechat.config import WeChatConfig
from omniline.channels.wechat.tokens import AccessToken, AccessTokenCache
from omniline.kernel.clock import Clock

SYSTEM_BUSY = -1
RATE_LIMITS = frozenset({45009, 45011})  # daily quota, per-minute quota
RATE_LIMIT_WAIT_SECONDS = 60.0
TOKEN_REFUSED = frozenset({40001, 40014, 42001})  # invalid credential, invalid token, token expired
# Permanent errors whose bare errmsg does not tell an agent what happened.
HINTS = {
    43004: "the recipient does not follow the account",
    45015: "WeChat allows customer-service messages only within 48 hours of the follower's last message",
    45047: "WeChat allows at most 20 customer-service messages until the follower writes again",
    40003: "the recipient's openid does not belong to this account",
}


class CallFailed(Exception):
    """An API call that did not succeed: the outcome for the outbox, and WeChat's errcode if any."""

    def __init__(self, result: SendResult, errcode: int | None = None) -> None:
        super().__init__(result.error)
        self.result = result
        self.errcode = errcode


class WeChatApi:
    """The calls we make, sharing one token cache across the channels of a process."""

    def __init__(self) -> None:
        self._tokens = AccessTokenCache()

    def send_custom_message(
        self,
        http: httpx.Client,
        config: WeChatConfig,
        channel_id: uuid.UUID,
        body: dict[str, Any],
        clock: Clock,
    ) -> dict[str, Any]:
        """POST /cgi-bin/message/custom/send; the answer, or CallFailed."""
        key = (channel_id, config.api_base_url, config.app_id, config.app_secret)
        fetch = functools.partial(self._fetch_token, http, config, clock)
        token = self._tokens.get(key, fetch, now=clock)
        content = json.dumps(body, ensure_ascii=False).encode()
        try:
            return self._post_message(http, config, token, content)
        except CallFailed as failure:
            if failure.errcode not in TOKEN_REFUSED:
                raise
        token = self._tokens.get(key, fetch, now=clock, stale=token)
        return self._post_message(http, config, token, content)

    def _post_message(
        self, http: httpx.Client, config: WeChatConfig, token: str, content: bytes
    ) -> dict[str, Any]:
        return _call(
            http,
            "POST",
            f"{config.api_base_url}/cgi-bin/message/custom/send",
            params={"access_token": token},
            content=content,
            secret=token,
        )

    def _fetch_token(self, http: httpx.Client, config: WeChatConfig, clock: Clock) -> AccessToken:
        started = clock()
        answer = _call(
            http,
            "GET",
            f"{config.api_base_url}/cgi-bin/token",
            params={"grant_type": "client_credential", "appid": config.app_id, "secret": config.app_secret},
            secret=config.app_secret,
        )
        token, expires_in = answer.get("access_token"), answer.get("expires_in")
        if not isinstance(token, str) or not token or not isinstance(expires_in, int):
            raise CallFailed(SendResult(ok=False, retryable=True, error="WeChat's token answer has no token"))
        return AccessToken(token, started + timedelta(seconds=expires_in))


def _call(
    http: httpx.Client,
    method: str,
    url: str,
    *,
    params: dict[str, str],
    secret: str,
    content: bytes | None = None,
) -> dict[str, Any]:
    headers = {"Content-Type": "application/json; charset=utf-8"} if content is not None else {}
    try:
        response = http.request(method, url, params=params, content=content, headers=headers)
    except httpx.HTTPError as error:
        result = result_from_transport_error(error)
        raise CallFailed(_redacted(result, secret)) from None
    if not response.is_success:
        raise CallFailed(_redacted(result_from_response(response), secret))
    try:
        answer = response.json()
    except ValueError:
        answer = None
    if not isinstance(answer, dict):
        problem = f"WeChat answered HTTP {response.status_code} without a JSON object: {response.text[:200]}"
        raise CallFailed(SendResult(ok=False, retryable=True, error=problem))
    errcode = answer.get("errcode") or 0
    if errcode:
        raise CallFailed(
            _api_error(errcode, str(answer.get("errmsg", ""))), errcode if isinstance(errcode, int) else None
        )
    return answer


def _api_error(errcode: Any, errmsg: str) -> SendResult:
    hint = HINTS.get(errcode) if isinstance(errcode, int) else None
    error = f"WeChat errcode {errcode}: {errmsg}" + (f" ({hint})" if hint else "")
    if errcode in RATE_LIMITS:
        return SendResult(ok=False, retryable=True, error=error, retry_after_seconds=RATE_LIMIT_WAIT_SECONDS)
    return SendResult(ok=False, retryable=errcode == SYSTEM_BUSY, error=error)


def _redacted(result: SendResult, secret: str) -> SendResult:
    """Transport errors may quote the URL, whose query holds a token or the app secret."""
    if result.error and secret and secret in result.error:
        return replace(result, error=result.error.replace(secret, "***"))
    return result

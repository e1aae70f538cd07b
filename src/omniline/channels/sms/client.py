"""Sending one SMS through the provider's REST API (Twilio's Messages resource).

    POST {api_base_url}/2010-04-01/Accounts/{account_sid}/Messages.json
    Authorization: Basic account_sid:auth_token
    To=+7916…&From=+1…&Body=…&StatusCallback={public URL}/hooks/{channel_id}/status

201 with `{"sid": "SM…"}` is sent (the sid finds the delivery when the status callback comes);
429 and 5xx are retried; other 4xx (a bad number, an unsubscribed recipient) fail for good.
"""

import httpx

from omniline.channels.base import AdapterContext, ChannelInfo, SendResult
from omniline.channels.http_results import result_from_response, result_from_transport_error
from omniline.channels.sms.parsing import ERROR_CODES

MAX_BODY_CHARACTERS = 1600  # Twilio refuses longer bodies (error 21617); ~10 segments


def messages_url(channel: ChannelInfo) -> str:
    return (
        f"{channel.config['api_base_url']}/2010-04-01/Accounts/{channel.config['account_sid']}/Messages.json"
    )


def send_sms(channel: ChannelInfo, to: str, text: str, context: AdapterContext) -> SendResult:
    if len(text) > MAX_BODY_CHARACTERS:
        # Cutting the text would change what the agent said; splitting it would let part of it go.
        return SendResult(
            ok=False,
            error=f"the reply is {len(text)} characters long; an SMS can carry at most {MAX_BODY_CHARACTERS}",
        )
    form = {
        "To": to,
        "From": channel.config["from_number"],
        "Body": text,
        "StatusCallback": f"{context.settings.base_url}/hooks/{channel.id}/status",
    }
    auth = (channel.config["account_sid"], channel.config["auth_token"])
    try:
        response = context.http.post(messages_url(channel), data=form, auth=auth)
    except httpx.HTTPError as error:
        return result_from_transport_error(error)
    if not response.is_success:
        result = result_from_response(response)
        return SendResult(
            ok=False,
            retryable=result.retryable,
            error=_describe_error(response) or result.error,
            retry_after_seconds=result.retry_after_seconds,
        )
    # Sent, even if the answer is odd: sending again would text the customer twice.
    return SendResult(ok=True, provider_message_id=_sid(response))


def _sid(response: httpx.Response) -> str | None:
    try:
        body = response.json()
    except ValueError:  # not JSON, or not even text
        return None
    sid = body.get("sid") if isinstance(body, dict) else None
    return sid if isinstance(sid, str) and sid else None


def _describe_error(response: httpx.Response) -> str | None:
    """Twilio's error body (`{"code": 21211, "message": "…"}`) in one line, when it sent one."""
    try:
        body = response.json()
    except ValueError:  # not JSON, or not even text
        return None
    if not isinstance(body, dict) or "code" not in body:
        return None
    code = str(body["code"])
    words = f" ({ERROR_CODES[code]})" if code in ERROR_CODES else ""
    return f"HTTP {response.status_code}: Twilio error {code}{words}: {str(body.get('message', ''))[:300]}"

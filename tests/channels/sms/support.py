"""Helpers for Twilio-style channels (sms, and voice with provider "twilio"): create the channel over
the API and post webhooks signed exactly as Twilio signs them, over the channel's public hook URL."""

import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from httpx import Response

from omniline.channels.sms.signature import compute_twilio_signature
from tests.support import ApiWorld

PUBLIC_URL = "https://omniline.example.com"  # OMNILINE_PUBLIC_URL in these tests
ACCOUNT_SID = "ACXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX"
AUTH_TOKEN = "twilio-auth-token-0123456789abcdef"
OUR_NUMBER = "+15005550006"


@dataclass
class TwilioChannel:
    world: ApiWorld
    channel: dict[str, Any]

    @property
    def id(self) -> str:
        return str(self.channel["id"])

    def hook_url(self, subpath: str = "") -> str:
        return f"{PUBLIC_URL}/hooks/{self.id}" + (f"/{subpath}" if subpath else "")

    def post(
        self,
        params: dict[str, str],
        subpath: str = "",
        *,
        auth_token: str = AUTH_TOKEN,
        signature: str | None = None,
        query: str = "",
    ) -> Response:
        body = urlencode(params)
        url = self.hook_url(subpath) + (f"?{query}" if query else "")
        if signature is None:
            signature = compute_twilio_signature(auth_token, url, params.items())
        return self.world.client.post(
            url.removeprefix(PUBLIC_URL),
            content=body.encode(),
            headers={"X-Twilio-Signature": signature, "Content-Type": "application/x-www-form-urlencoded"},
        )


def make_twilio_channel(world: ApiWorld, kind: str, config: dict[str, Any]) -> TwilioChannel:
    response = world.client.post(
        "/api/v1/channels",
        json={"kind": kind, "name": f"{kind} {uuid.uuid4().hex[:6]}", "config": config},
        headers=world.admin_headers,
    )
    assert response.status_code == 201, response.text
    return TwilioChannel(world, response.json())


def sms_config(api_base_url: str) -> dict[str, str]:
    return {
        "account_sid": ACCOUNT_SID,
        "auth_token": AUTH_TOKEN,
        "from_number": OUR_NUMBER,
        "api_base_url": api_base_url,
    }

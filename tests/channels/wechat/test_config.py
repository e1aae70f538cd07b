"""A wechat channel's config: what is stored, and the clear refusals of what cannot work."""

from typing import Any

import pytest

from omniline.channels.wechat.adapter import WeChatChannelAdapter
from omniline.kernel.errors import InvalidInput
from tests.channels.wechat.support import ENCODING_AES_KEY, plain_config


def test_plain_mode_config_gets_the_default_api_base_url() -> None:
    stored = WeChatChannelAdapter().validate_config(plain_config(app_id=" wx5823bf96d3bd56c7 "))

    assert stored == {
        "app_id": "wx5823bf96d3bd56c7",
        "app_secret": "9a1b8c2d7e3f6a4b5c0d9e8f7a6b5c4d",
        "token": "omnilineToken2026",
        "api_base_url": "https://api.weixin.qq.com",
    }


def test_safe_mode_config_keeps_the_aes_key_and_a_custom_api_base_url() -> None:
    stored = WeChatChannelAdapter().validate_config(
        plain_config(encoding_aes_key=ENCODING_AES_KEY, api_base_url="http://127.0.0.1:9000/")
    )

    assert stored["encoding_aes_key"] == ENCODING_AES_KEY
    assert stored["api_base_url"] == "http://127.0.0.1:9000"


@pytest.mark.parametrize(
    ("config", "message"),
    [
        (plain_config(webhook_url="https://x"), "unknown config keys for a wechat channel: webhook_url"),
        ({"app_id": "wx1", "token": "abc"}, "a wechat channel needs app_secret"),
        ({}, "a wechat channel needs app_id, app_secret, token"),
        (plain_config(token="a b"), "token must be 3 to 32 letters or digits"),
        (plain_config(encoding_aes_key="short"), "encoding_aes_key must be the 43"),
        (plain_config(encoding_aes_key=ENCODING_AES_KEY + "="), "encoding_aes_key must be the 43"),
        (plain_config(api_base_url="ftp://api.weixin.qq.com"), "api_base_url must be an http"),
    ],
)
def test_unusable_config_is_refused_with_a_clear_message(config: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidInput) as refusal:
        WeChatChannelAdapter().validate_config(config)

    assert str(refusal.value).startswith(message)

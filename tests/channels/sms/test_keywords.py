"""STOP/START keywords: the whole message, trimmed, in any case."""

import pytest

from omniline.channels.sms.keywords import opt_out_change


@pytest.mark.parametrize(
    "text",
    ["STOP", "stop", " Stop\n", "STOPALL", "Unsubscribe", "cancel", "END", "quit", "СТОП", "стоп", "退订"],
)
def test_stop_keywords(text: str) -> None:
    assert opt_out_change(text) == "stop"


@pytest.mark.parametrize("text", ["START", "start ", "Yes", "UNSTOP", "старт"])
def test_start_keywords(text: str) -> None:
    assert opt_out_change(text) == "start"


@pytest.mark.parametrize(
    "text", ["", "Please stop texting me", "STOP!", "stop it", "Где мой заказ?", "yes please"]
)
def test_anything_else_is_an_ordinary_message(text: str) -> None:
    assert opt_out_change(text) is None

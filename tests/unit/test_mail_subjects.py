"""Subjects of the mails we send (channels/email/mail_threading.py): one "Re:", one case token."""

import pytest

from omniline.channels.email.mail_threading import reply_subject


@pytest.mark.parametrize(
    ("subject", "case_number", "expected"),
    [
        ("Где мой заказ?", 12, "Re: Где мой заказ? [#C-12]"),
        ("RE: Aw: Где мой заказ? [#C-12]", 12, "Re: Где мой заказ? [#C-12]"),
        ("回复：我的订单", 7, "Re: 我的订单 [#C-7]"),
        ("Ответ: заказ", None, "Re: заказ"),
        ("", 3, "Re: [#C-3]"),
    ],
)
def test_an_answer_gets_one_re_and_one_case_token(
    subject: str, case_number: int | None, expected: str
) -> None:
    assert reply_subject(subject, case_number) == expected


@pytest.mark.parametrize(
    ("subject", "case_number", "expected"),
    [
        ("Ваш заказ 45821", 1, "Ваш заказ 45821 [#C-1]"),
        ("Re: Ваш заказ", 1, "Ваш заказ [#C-1]"),  # a prefix typed by the agent is dropped too
        ("您的订单", 9, "您的订单 [#C-9]"),
        ("Your order", None, "Your order"),
    ],
)
def test_the_first_mail_of_a_thread_we_start_gets_no_re(
    subject: str, case_number: int | None, expected: str
) -> None:
    assert reply_subject(subject, case_number, answering=False) == expected

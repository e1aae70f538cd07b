"""The SMTP listener through a real socket, with smtplib as the sending server."""

import smtplib

import pytest
from sqlalchemy import select

from omniline.bootstrap import Container
from omniline.cases.models import Case
from omniline.messages.models import Message
from tests.channels.email.support import ADDRESS, fixture, make_email_channel, running_listener
from tests.support import row_counts


def _messages(container: Container) -> list[Message]:
    with container.uow() as uow:
        rows = list(uow.session.scalars(select(Message).order_by(Message.created_at)))
        uow.session.expunge_all()  # detached but loaded: readable after the unit of work closes
        return rows


def test_mail_for_a_configured_address_is_stored(container: Container) -> None:
    channel = make_email_channel(container)
    with running_listener(container) as port, smtplib.SMTP("127.0.0.1", port) as client:
        refused = client.sendmail("anna@example.com", [ADDRESS.upper()], fixture("koi8r-plain.eml"))
    assert refused == {}
    [message] = _messages(container)
    assert (message.channel_id, message.direction) == (channel.id, "in")
    assert message.sender_identity == "email:anna@example.com"
    assert message.sender_name == "Анна Иванова"
    assert message.subject == "Где мой заказ?"
    assert message.text == "Здравствуйте! Заказ 45821 не пришёл."
    assert message.external_id == "<koi8-1@example.com>"
    assert message.meta == {
        "message_id": "<koi8-1@example.com>",
        "in_reply_to": None,
        "references": [],
        "case_ref": None,
        "to": [ADDRESS],
        "cc": [],
    }
    assert message.case_id is not None


def test_the_same_mail_delivered_twice_is_stored_once(container: Container) -> None:
    make_email_channel(container)
    with running_listener(container) as port, smtplib.SMTP("127.0.0.1", port) as client:
        client.sendmail("ivan@example.ru", [ADDRESS], fixture("cp1251-qp.eml"))
        client.sendmail("ivan@example.ru", [ADDRESS], fixture("cp1251-qp.eml"))
    [message] = _messages(container)
    assert (message.sender_name, message.subject, message.text) == (
        "Иван",
        "Возврат товара",
        "Хочу вернуть чайник.",
    )


def test_unknown_recipient_is_refused_and_nothing_is_stored(container: Container) -> None:
    make_email_channel(container)
    before = row_counts(container)
    with (
        running_listener(container) as port,
        smtplib.SMTP("127.0.0.1", port) as client,
        pytest.raises(smtplib.SMTPRecipientsRefused) as refusal,
    ):
        client.sendmail("anna@example.com", ["sales@demo.omniline.local"], fixture("koi8r-plain.eml"))
    assert refusal.value.recipients["sales@demo.omniline.local"][0] == 550
    assert row_counts(container) == before


def test_auto_reply_is_stored_without_opening_a_case(container: Container) -> None:
    make_email_channel(container)
    with running_listener(container) as port, smtplib.SMTP("127.0.0.1", port) as client:
        client.sendmail("anna@example.com", [ADDRESS], fixture("auto-reply.eml"))
    [message] = _messages(container)
    assert message.case_id is None
    assert message.meta["auto_generated"] is True
    assert message.text == "Я в отпуске до 1 декабря."
    with container.uow() as uow:
        assert uow.session.scalars(select(Case)).all() == []


def test_html_only_big5_mail_is_sanitised_and_rendered_as_text(container: Container) -> None:
    make_email_channel(container)
    with running_listener(container) as port, smtplib.SMTP("127.0.0.1", port) as client:
        client.sendmail("chen@example.tw", [ADDRESS], fixture("big5-html-only.eml"))
    [message] = _messages(container)
    assert message.text == "請問退款何時到帳？\n\n謝謝"
    assert message.meta["html"] == "<p>請問<b>退款</b>何時到帳？</p><p>謝謝</p>\n"
    assert (message.sender_name, message.subject) == ("陳小姐", "退款")

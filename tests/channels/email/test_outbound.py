"""Replies by SMTP through the outbox, against a local aiosmtpd server; threading of the answer
and a bounce of a reply, both through the real listener."""

import email
import email.policy
import smtplib
import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from omniline.bootstrap import Container
from omniline.cases.models import Case
from omniline.channels.base import ChannelInfo
from omniline.channels.email.outbound import build_mail
from omniline.channels.models import Channel, Delivery
from omniline.channels.tasks import send_due_deliveries
from omniline.messages.models import Message
from omniline.messages.normalized import OutboundMessage
from tests.channels.email.support import ADDRESS, SinkHandler, fixture, running_listener, smtp_sink
from tests.support import ApiWorld


def _email_channel(world: ApiWorld, smtp_port: int) -> dict[str, Any]:
    config = {"address": ADDRESS, "smtp": {"host": "127.0.0.1", "port": smtp_port, "tls": "none"}}
    response = world.client.post(
        "/api/v1/channels",
        json={"kind": "email", "name": "Support", "config": config},
        headers=world.admin_headers,
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


def _inbound(container: Container) -> Message:
    with container.uow() as uow:
        message = uow.session.scalars(select(Message).where(Message.direction == "in")).one()
        uow.session.expunge(message)
        return message


def test_reply_is_mailed_with_thread_headers_and_case_token_then_bounce_fails_it(
    container: Container, world: ApiWorld
) -> None:
    sink = SinkHandler()
    with smtp_sink(sink) as smtp_port, running_listener(container) as listener_port:
        _email_channel(world, smtp_port)
        with smtplib.SMTP("127.0.0.1", listener_port) as client:
            client.sendmail("anna@example.com", [ADDRESS], fixture("koi8r-plain.eml"))
        first = _inbound(container)
        with container.uow() as uow:
            case_number = uow.session.get_one(Case, first.case_id).number

        response = world.client.post(
            f"/api/v1/conversations/{first.conversation_id}/messages",
            json={"text": "Добрый день! Заказ приедет завтра.\n\n您好"},
            headers=world.agent_headers,
        )
        assert response.status_code == 201, response.text
        reply_id = uuid.UUID(response.json()["id"])
        assert send_due_deliveries(container) == 1

        [(mail_from, recipients, raw)] = sink.received
        mail = email.message_from_bytes(raw, policy=email.policy.default)
        message_id = f"<{reply_id}@demo.omniline.local>"
        assert (mail_from, recipients) == (ADDRESS, ["anna@example.com"])
        assert mail["From"] == f"Support <{ADDRESS}>"
        assert mail["To"] == "anna@example.com"
        assert mail["Subject"] == f"Re: Где мой заказ? [#C-{case_number}]"
        assert mail["Message-ID"] == message_id
        assert mail["In-Reply-To"] == "<koi8-1@example.com>"
        assert mail["References"] == "<koi8-1@example.com>"
        assert mail["X-Omniline-Channel"] is not None
        text = mail.get_body(("plain",))
        assert text is not None and text.get_content() == "Добрый день! Заказ приедет завтра.\r\n\r\n您好\r\n"
        with container.uow() as uow:
            delivery = uow.session.scalars(select(Delivery)).one()
            assert (delivery.status, delivery.provider_message_id) == ("sent", message_id)

        # The customer answers our mail: it joins the same conversation.
        with smtplib.SMTP("127.0.0.1", listener_port) as client:
            client.sendmail(
                "anna@example.com", [ADDRESS], fixture("reply-with-attachment.eml", ROOT=message_id)
            )
        with container.uow() as uow:
            answer = uow.session.scalars(
                select(Message).where(Message.external_id == "<reply-1@example.com>")
            ).one()
            assert answer.conversation_id == first.conversation_id
            assert answer.text == "Вот фото чека."
            assert answer.meta["full_text"].startswith("Вот фото чека.\n\nOn Mon, 23 Nov 2026")
            assert answer.meta["in_reply_to"] == message_id
            assert answer.attachments[0]["filename"] == "чек.png"
            assert answer.attachments[0]["content_type"] == "image/png"

        # A bounce naming our Message-ID fails the delivery; it stores no message.
        with smtplib.SMTP("127.0.0.1", listener_port) as client:
            client.sendmail("", [ADDRESS], fixture("bounce.eml", ORIGINAL=message_id))
        with container.uow() as uow:
            delivery = uow.session.scalars(select(Delivery)).one()
            assert (delivery.status, delivery.provider_status) == ("failed", "bounced")
            assert "5.1.1" in (delivery.last_error or "")
            assert len(uow.session.scalars(select(Message)).all()) == 3


def test_5xx_is_permanent_and_4xx_is_retried(container: Container, world: ApiWorld) -> None:
    for answer, status in (("550 5.1.1 no such user", "failed"), ("451 4.3.0 try later", "pending")):
        sink = SinkHandler(refuse_with=answer)
        with smtp_sink(sink) as smtp_port, running_listener(container) as listener_port:
            channel = _email_channel(world, smtp_port)
            with smtplib.SMTP("127.0.0.1", listener_port) as client:
                client.sendmail("anna@example.com", [ADDRESS], fixture("koi8r-plain.eml"))
            with container.uow() as uow:
                conversation_id = uow.session.scalars(
                    select(Message.conversation_id).where(Message.channel_id == uuid.UUID(channel["id"]))
                ).one()
            response = world.client.post(
                f"/api/v1/conversations/{conversation_id}/messages",
                json={"text": "Ответ"},
                headers=world.agent_headers,
            )
            assert response.status_code == 201
            send_due_deliveries(container)
            with container.uow() as uow:
                delivery = uow.session.scalars(
                    select(Delivery).where(Delivery.channel_id == uuid.UUID(channel["id"]))
                ).one()
                assert delivery.status == status
                assert delivery.last_error is not None and answer.split()[0] in delivery.last_error
        # the next round's channel must own the address alone
        with container.uow() as uow:
            uow.session.get_one(Channel, uuid.UUID(channel["id"])).is_active = False
            uow.commit()


def test_a_mail_that_answers_nothing_keeps_its_subject(container: Container) -> None:
    # given a message that is not a reply (a web chat confirmation code), built for a mailbox
    channel = ChannelInfo(uuid.uuid4(), uuid.uuid4(), "email", "Support", {"address": ADDRESS}, "secret")
    message = OutboundMessage(
        message_id=uuid.uuid4(),
        conversation_id=uuid.uuid4(),
        channel_id=channel.id,
        recipient="email:anna@example.com",
        text="Ваш код: 123456",
        sent_at=datetime.now(UTC),
        subject="Код подтверждения / 验证码",
        reply_context={"purpose": "identity_verification"},
    )

    # when
    mail = build_mail(channel, message, container.adapter_context)

    # then no "Re:" and no threading headers
    assert mail["Subject"] == "Код подтверждения / 验证码"
    assert mail["In-Reply-To"] is None
    assert mail["References"] is None

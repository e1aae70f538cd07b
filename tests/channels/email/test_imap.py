"""IMAP polling against a real Dovecot over TLS: new mail is stored once, then moved or flagged."""

import imaplib
import ssl

import pytest
from sqlalchemy import select

from omniline.bootstrap import Container
from omniline.channels.email.imap import exclusive_pass, poll_channel
from omniline.channels.models import Channel
from omniline.messages.models import Message
from tests.channels.email.dovecot import PASSWORD, USER, Dovecot
from tests.channels.email.support import ADDRESS, fixture, make_email_channel


def _imap_config(server: Dovecot, **extra: str) -> dict[str, object]:
    return {
        "address": ADDRESS,
        "imap": {
            "host": "127.0.0.1",
            "port": server.port,
            "tls": "ssl",
            "username": USER,
            "password": PASSWORD,
            **extra,
        },
    }


def _folder_count(server: Dovecot, folder: str, criteria: str = "ALL") -> int:
    context = ssl.create_default_context(cafile=str(server.certificate))
    with imaplib.IMAP4_SSL("127.0.0.1", server.port, ssl_context=context) as client:
        client.login(USER, PASSWORD)
        client.select(folder)
        _, found = client.search(None, criteria)
        return len((found[0] or b"").split())


@pytest.mark.parametrize("processed_folder", [None, "Processed"])
def test_new_mail_is_received_once_and_marked_processed(
    container: Container,
    dovecot: Dovecot,
    monkeypatch: pytest.MonkeyPatch,
    processed_folder: str | None,
) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(dovecot.certificate))
    extra = {"processed_folder": processed_folder} if processed_folder else {}
    channel = make_email_channel(container, _imap_config(dovecot, **extra))
    dovecot.deliver("1.mail", fixture("gb2312-base64.eml"))
    dovecot.deliver("2.mail", fixture("iso2022jp.eml"))

    assert poll_channel(container, channel.id) == 2
    dovecot.deliver("3.mail", fixture("koi8r-plain.eml"))
    assert poll_channel(container, channel.id) == 1
    assert poll_channel(container, channel.id) == 0

    with container.uow() as uow:
        texts = sorted(uow.session.scalars(select(Message.text)))
        state = uow.session.get_one(Channel, channel.id).config["imap_state"]
    assert texts == sorted(
        ["您好，我的订单还没有到。𠮷", "注文について質問があります。", "Здравствуйте! Заказ 45821 не пришёл."]
    )
    assert state["last_uid"] == 3 and state["uidvalidity"] > 0
    if processed_folder:
        assert (_folder_count(dovecot, "INBOX"), _folder_count(dovecot, processed_folder)) == (0, 3)
    else:
        assert _folder_count(dovecot, "INBOX", "UNSEEN") == 0
        assert _folder_count(dovecot, "INBOX") == 3


def test_a_mailbox_another_process_is_polling_is_left_to_it(
    container: Container, dovecot: Dovecot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Several app processes poll every mailbox; one pass at a time fetches and moves its mail."""
    if container.engine.dialect.name != "postgresql":
        pytest.skip("the lock is PostgreSQL's: SQLite is served by one process")
    monkeypatch.setenv("SSL_CERT_FILE", str(dovecot.certificate))
    channel = make_email_channel(container, _imap_config(dovecot, processed_folder="Processed"))
    dovecot.deliver("1.mail", fixture("koi8r-plain.eml"))

    # while another process's pass holds the mailbox (its own connection, as in another process)
    with exclusive_pass(container, channel.id) as mine:
        assert mine
        assert poll_channel(container, channel.id) == 0
        with container.uow() as uow:
            assert uow.session.scalars(select(Message.id)).all() == []
        assert _folder_count(dovecot, "INBOX") == 1

    # once it is done, the next pass takes it
    assert poll_channel(container, channel.id) == 1
    with container.uow() as uow:
        assert uow.session.scalars(select(Message.text)).all() == ["Здравствуйте! Заказ 45821 не пришёл."]
    assert (_folder_count(dovecot, "INBOX"), _folder_count(dovecot, "Processed")) == (0, 1)


def test_an_untrusted_certificate_is_refused(container: Container, dovecot: Dovecot) -> None:
    channel = make_email_channel(container, _imap_config(dovecot))
    dovecot.deliver("1.mail", fixture("koi8r-plain.eml"))
    with pytest.raises(ssl.SSLCertVerificationError):
        poll_channel(container, channel.id)
    with container.uow() as uow:
        assert uow.session.scalars(select(Message)).all() == []

"""The demo bot: Anna's Telegram account joins the customer she is in the app, with one case; loading
again stores nothing new."""

import pytest
from sqlalchemy import select

from omniline.accounts.models import Tenant
from omniline.bootstrap import Container
from omniline.customers.identities import IdentityClaim
from omniline.customers.repository import find_customer_by_identity
from omniline.demo import loader
from omniline.demo.telegram import load_telegram_demo
from omniline.messages.models import Message


def test_the_demo_telegram_history_joins_annas_record(
    container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given the demo tenant without other channels' demos
    monkeypatch.setattr(loader, "CHANNEL_DEMOS", [])
    loader.load_demo(container)
    with container.uow() as uow:
        tenant = uow.session.scalars(select(Tenant).where(Tenant.slug == loader.DEMO_SLUG)).one()
        uow.session.expunge(tenant)

    # when the telegram demo loads, twice
    first = load_telegram_demo(container, tenant)
    second = load_telegram_demo(container, tenant)

    # then three messages were stored once, all on the customer Anna is in the app
    assert (first, second) == (3, 0)
    with container.uow() as uow:
        session = uow.session
        anna = find_customer_by_identity(session, tenant.id, IdentityClaim("app", "1001"))
        on_telegram = find_customer_by_identity(session, tenant.id, IdentityClaim("telegram", "5012345678"))
        assert anna is not None and on_telegram is not None and on_telegram.id == anna.id
        messages = session.scalars(
            select(Message).where(Message.customer_id == anna.id).order_by(Message.sent_at)
        ).all()
        assert [(item.channel_kind, item.text) for item in messages] == [
            ("api", "Здравствуйте! Где мой заказ №45821? Обещали доставить вчера."),
            ("api", "Курьер так и не приехал, верните деньги, пожалуйста."),
            ("telegram", "/start"),
            ("telegram", "Анна Иванова +79161234567"),
            ("telegram", "Курьер так и не приехал. Когда теперь доставят заказ №45821?"),
        ]
        assert len({item.case_id for item in messages if item.case_id}) == 1

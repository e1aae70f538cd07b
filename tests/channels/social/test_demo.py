"""The demo listening channel: a Weibo complaint (post and comment, one conversation) and a VK post;
loading again stores nothing new."""

import pytest
from sqlalchemy import select

from omniline.accounts.models import Tenant
from omniline.bootstrap import Container
from omniline.customers.identities import IdentityClaim
from omniline.customers.repository import find_customer_by_identity
from omniline.demo import loader
from omniline.demo.social import load_social_demo
from omniline.messages.models import Message


def test_the_demo_social_history(container: Container, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(loader, "CHANNEL_DEMOS", [])
    loader.load_demo(container)
    with container.uow() as uow:
        tenant = uow.session.scalars(select(Tenant).where(Tenant.slug == loader.DEMO_SLUG)).one()
        uow.session.expunge(tenant)

    assert (load_social_demo(container, tenant), load_social_demo(container, tenant)) == (3, 0)

    with container.uow() as uow:
        weibo = find_customer_by_identity(
            uow.session, tenant.id, IdentityClaim("social", "weibo:xiaowang_shopping")
        )
        assert weibo is not None and weibo.name == "小王爱购物"
        posts = uow.session.scalars(
            select(Message).where(Message.customer_id == weibo.id).order_by(Message.sent_at)
        ).all()
        assert [(item.text[:9], item.meta["public"]) for item in posts] == [
            ("@演示商店 快递已", True),
            ("补充一下：订单号 ", True),
        ]
        assert len({item.conversation_id for item in posts}) == 1
        vk = find_customer_by_identity(uow.session, tenant.id, IdentityClaim("social", "vk:id715000"))
        assert vk is not None and vk.name == "Мария Кузнецова"

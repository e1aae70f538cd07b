"""The demo WeChat channel: a Chinese follower's enquiry on one case, loaded once however often."""

from sqlalchemy import select

from omniline.accounts.models import Tenant
from omniline.accounts.service import create_tenant
from omniline.bootstrap import Container
from omniline.demo.wechat import OPENID, load_wechat_demo
from omniline.messages.models import Message
from tests.support import row_counts


def test_the_demo_history_loads_once_and_opens_one_case(container: Container) -> None:
    with container.uow() as uow:
        tenant = create_tenant(uow.session, slug="demo", name="Demo / 演示")
        uow.commit()
    with container.uow() as uow:
        tenant = uow.session.get_one(Tenant, tenant.id)
        uow.session.expunge(tenant)

    assert load_wechat_demo(container, tenant) == 4
    counts = row_counts(container)
    assert load_wechat_demo(container, tenant) == 0
    assert row_counts(container) == counts

    with container.uow() as uow:
        messages = list(uow.session.scalars(select(Message).order_by(Message.sent_at)))
        rows = [(m.sender_identity, m.text, m.case_id, m.event, m.meta) for m in messages]
    assert [row[0] for row in rows] == [f"wechat:{OPENID}"] * 4
    assert [row[1][:12] for row in rows] == [
        "[subscribe]",
        "你好，我在你们的网店买了",
        "[image]",
        "还没有处理吗？我已经等了",
    ]
    assert rows[0][2:4] == (None, "wechat.subscribe")
    assert rows[1][2] is not None
    assert {row[2] for row in rows[1:]} == {rows[1][2]}
    assert rows[2][4]["media_id"] == "demo_media_payment_receipt"

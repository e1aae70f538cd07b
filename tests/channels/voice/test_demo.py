"""The demo's phone channels: an SMS number and a PBX; Анна texted, then called and hung up in the
queue, and is owed a callback on her one case. Loading again stores nothing new."""

from sqlalchemy import select

from omniline.accounts.models import Tenant
from omniline.bootstrap import Container
from omniline.customers.models import Identity
from omniline.demo.loader import load_demo
from omniline.demo.sms import load_sms_demo
from omniline.demo.voice import load_voice_demo
from omniline.messages.models import Message
from omniline.routing.models import Task
from tests.support import row_counts


def test_the_demo_customer_who_called_has_a_callback_on_her_case(container: Container) -> None:
    load_demo(container)

    with container.uow() as uow:
        session = uow.session
        anna = session.scalars(select(Identity).where(Identity.address == "+79161234567")).one().customer_id
        kinds = set(session.scalars(select(Message.channel_kind).where(Message.customer_id == anna)))
        tasks = [
            (task.kind, task.reason, task.queue, task.status, task.case_id)
            for task in session.scalars(select(Task).where(Task.customer_id == anna).order_by(Task.id))
        ]
        call_cases = set(
            session.scalars(
                select(Message.case_id).where(Message.customer_id == anna, Message.channel_kind == "voice")
            )
        )
    assert {"api", "sms", "voice"} <= kinds
    (callback,) = [task for task in tasks if task[0] == "callback"]
    assert callback[1:4] == ("call.abandoned", "callbacks", "open")
    assert callback[4] is not None and call_cases == {callback[4]}
    # her text opened that case and was routed: its conversation work is the case's other task
    assert [(task[0], task[4]) for task in tasks if task[0] != "callback"] == [("conversation", callback[4])]


def test_loading_the_phone_demos_again_changes_nothing(container: Container) -> None:
    load_demo(container)
    before = row_counts(container)
    with container.uow() as uow:
        tenant = uow.session.scalars(select(Tenant).where(Tenant.slug == "demo")).one()
        uow.session.expunge(tenant)

    assert load_sms_demo(container, tenant) == 0
    assert load_voice_demo(container, tenant) == 0
    assert row_counts(container) == before
    assert before["channel_opt_outs"] == 1
    assert before["tasks"] >= 2

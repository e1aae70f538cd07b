"""The desktop's conversation view over HTTP: the messages with exact texts, oldest first, in pages of
100; the header and case actions; delivery states; escaping of everything the customer wrote; tenant
isolation; the page in Russian and Chinese; the reply over the page's script path (cookie + CSRF)."""

import html
import re
import uuid
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select, update

from omniline.accounts.models import User
from omniline.bootstrap import Container
from omniline.channels.models import Delivery
from omniline.channels.service import load_channel_info
from omniline.customers.identities import IdentityClaim
from omniline.kernel.ids import new_id
from omniline.messages.normalized import Attachment, InboundMessage
from omniline.pipeline.ingest import IngestResult
from omniline.pipeline.transaction import ingest_and_commit
from omniline.routing.models import Queue, Task
from omniline.taxonomy.models import Topic
from tests.channels.webchat.support import add_email_channel_row
from tests.support import ApiWorld, agent_email, app_message, make_world
from tests.web.support import logged_in

SCRIPT = '<script>alert("x")</script>'
IMAGE = "<img src=x onerror=alert(2)>"
SVG = '"><svg onload=alert(3)>'


def _mails(container: Container, world: ApiWorld, *messages: InboundMessage) -> list[IngestResult]:
    """Inbound mails stored through the pipeline, as the e-mail listener stores them."""
    with container.uow() as uow:
        channel = load_channel_info(uow.session, messages[0].channel_id)
    return ingest_and_commit(container, channel, list(messages))


def _mail(channel_id: uuid.UUID, number: int, **fields: object) -> InboundMessage:
    values: dict[str, object] = {
        "channel_id": channel_id,
        "external_id": f"<m{number}@example.com>",
        "identities": (IdentityClaim("email", "anna@example.com", verified=False),),
        "text": f"Письмо {number}",
        "sent_at": datetime(2026, 11, 23, 9, 0, tzinfo=UTC) + timedelta(minutes=number),
        "sender_name": "Анна",
        "subject": "Заказ 45821",
        "thread_key": "<m0@example.com>",
    }
    return InboundMessage(**(values | fields))  # type: ignore[arg-type]


def _bubble_texts(page: str) -> list[str]:
    return [html.unescape(text) for text in re.findall(r'<div class="bubble-text">(.*?)</div>', page, re.S)]


def test_the_page_shows_the_conversation_oldest_first_with_exact_texts(
    container: Container, client: TestClient, world: ApiWorld
) -> None:
    first = world.post_app_message(app_message("m-1", ["app:anna"], "Где мой заказ?\nНомер 45821")).json()
    world.post_app_message(app_message("m-2", ["app:anna"], "我的订单在哪里？"))
    token = logged_in(client, agent_email(container, world))
    reply = client.post(
        f"/api/v1/conversations/{first['conversation_id']}/messages",
        json={"text": "Отправим сегодня."},
        headers={"X-CSRF-Token": token},
    )
    assert reply.status_code == 201, reply.text

    page = client.get(f"/desktop/conversations/{first['conversation_id']}")

    assert page.status_code == 200
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert _bubble_texts(page.text) == [
        "Где мой заказ?\nНомер 45821",
        "我的订单在哪里？",
        "Отправим сегодня.",
    ]
    assert re.findall(r'<span class="bubble-sender">(.*?)</span>', page.text) == ["Анна", "Анна", "agent"]
    assert page.text.count('class="bubble bubble-in"') == 2
    assert page.text.count('class="bubble bubble-out"') == 1
    assert 'data-state="pending"' in page.text  # the reply is still in the outbox
    assert '<h1 class="conv-customer">Анна</h1>' in page.text
    assert '<dd class="conv-case-number">C-1</dd>' in page.text
    assert '<span class="badge case-open">Open</span>' in page.text
    assert '<span class="conv-channel">App</span>' in page.text
    # the inbox column is left to the inbox's script; the customer panel to the customers' script
    assert '<aside class="desktop-inbox" id="inbox" data-src="/desktop/inbox"></aside>' in page.text
    assert f'data-src="/desktop/customers/{first["customer_id"]}/panel"' in page.text


def test_everything_the_customer_wrote_is_escaped(
    container: Container, client: TestClient, world: ApiWorld
) -> None:
    mailbox = add_email_channel_row(container, world.tenant_id)
    (result,) = _mails(
        container,
        world,
        _mail(
            mailbox,
            1,
            sender_name=f"{IMAGE} Анна",
            subject=f"{SCRIPT} Заказ",
            text=f"{SCRIPT}\n{IMAGE} Привет 你好 {{{{ 7*7 }}}}",
            attachments=(Attachment(filename=f"{SVG}.pdf", content_type="application/pdf", size=2048),),
        ),
    )
    logged_in(client, agent_email(container, world))

    page = client.get(f"/desktop/conversations/{result.conversation_id}").text

    for raw in (SCRIPT, IMAGE, SVG):
        assert raw not in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; Заказ" in page  # subject
    assert "&lt;img src=x onerror=alert(2)&gt; Анна" in page  # sender name (and the title)
    assert "&#34;&gt;&lt;svg onload=alert(3)&gt;.pdf" in page  # file name
    assert _bubble_texts(page) == [f"{SCRIPT}\n{IMAGE} Привет 你好 {{{{ 7*7 }}}}"]
    assert "49" not in "".join(_bubble_texts(page))
    assert f"<title>{html.escape(IMAGE, quote=False).replace('>', '&gt;')} Анна · omniline</title>" in page


def test_older_messages_come_in_pages_of_100(
    container: Container, client: TestClient, world: ApiWorld
) -> None:
    mailbox = add_email_channel_row(container, world.tenant_id)
    results = _mails(container, world, *(_mail(mailbox, number) for number in range(105)))
    conversation_id = results[0].conversation_id
    logged_in(client, agent_email(container, world))

    page = client.get(f"/desktop/conversations/{conversation_id}").text
    earlier = client.get(
        f"/desktop/conversations/{conversation_id}/messages", params={"before": str(results[5].message_id)}
    ).text

    shown = _bubble_texts(page)
    assert (len(shown), shown[0], shown[-1]) == (100, "Письмо 5", "Письмо 104")
    assert f'data-earlier="{results[5].message_id}"' in page
    assert _bubble_texts(earlier) == [f"Письмо {number}" for number in range(5)]
    assert "data-earlier" not in earlier


def test_a_failed_delivery_shows_the_error_and_a_retry(
    container: Container, client: TestClient, world: ApiWorld
) -> None:
    ids = world.post_app_message(app_message("m-1", ["app:anna"])).json()
    token = logged_in(client, agent_email(container, world))
    sent = client.post(
        f"/api/v1/conversations/{ids['conversation_id']}/messages",
        json={"text": "Ответ"},
        headers={"X-CSRF-Token": token},
    ).json()
    with container.uow() as uow:
        uow.session.execute(
            update(Delivery).values(status="failed", attempts=8, last_error="HTTP 500: <b>down</b>")
        )
        uow.commit()

    bubble = client.get(f"/desktop/conversations/{ids['conversation_id']}/messages/{sent['id']}")

    assert bubble.status_code == 200
    assert 'data-state="failed"' in bubble.text
    assert '<span class="delivery-error">HTTP 500: &lt;b&gt;down&lt;/b&gt;</span>' in bubble.text
    assert f'data-retry="{sent["delivery"]["id"]}"' in bubble.text
    other = client.get(f"/desktop/conversations/{ids['conversation_id']}/messages/{uuid.uuid4()}")
    assert other.status_code == 404


def test_the_case_part_offers_topics_in_the_page_language_and_a_transfer_for_the_task_held(
    container: Container, client: TestClient, world: ApiWorld
) -> None:
    ids = world.post_app_message(app_message("m-1", ["app:anna"], "Списали дважды")).json()
    email = agent_email(container, world)
    with container.uow() as uow:
        parent = Topic(
            id=new_id(), tenant_id=world.tenant_id, code="billing", name="Billing", names={"ru": "Оплата"}
        )
        uow.session.add(parent)
        uow.session.flush()
        for code, name, russian in (
            ("billing.double", "Charged twice", "Двойное списание"),
            ("billing.<x>", "<b>Refund</b>", ""),
        ):
            uow.session.add(
                Topic(
                    id=new_id(),
                    tenant_id=world.tenant_id,
                    parent_id=parent.id,
                    code=code,
                    name=name,
                    names={"ru": russian} if russian else {},
                )
            )
        uow.session.add(Queue(id=new_id(), tenant_id=world.tenant_id, name="billing <b>"))
        agent_id = uow.session.scalar(select(User.id).where(User.email == email))
        uow.session.execute(update(User).where(User.id == agent_id).values(language="ru"))
        uow.session.execute(
            update(Task)
            .where(Task.case_id == uuid.UUID(ids["case_id"]))
            .values(status="assigned", assigned_user_id=agent_id)
        )
        uow.commit()
    token = logged_in(client, email)
    confirmed = client.post(
        f"/api/v1/cases/{ids['case_id']}/topic",
        json={"topic": "billing.double"},
        headers={"X-CSRF-Token": token},
    )
    assert confirmed.status_code == 200, confirmed.text

    part = client.get(f"/desktop/conversations/{ids['conversation_id']}/case").text

    assert re.findall(r'<option value="(billing[^"]*)"[^>]*>(.*?)</option>', part) == [
        ("billing.&lt;x&gt;", "Оплата › &lt;b&gt;Refund&lt;/b&gt;"),
        ("billing.double", "Оплата › Двойное списание"),
    ]
    assert "Оплата › Двойное списание\n" in part and '<span class="badge ok">подтверждена</span>' in part
    assert 'data-form="transfer"' in part
    assert '<option value="queue:billing &lt;b&gt;">billing &lt;b&gt;</option>' in part
    assert "Решить" in part  # Resolve


def test_the_page_speaks_chinese(container: Container, client: TestClient, world: ApiWorld) -> None:
    ids = world.post_app_message(app_message("m-1", ["app:anna"])).json()
    add_email_channel_row(container, world.tenant_id)
    email = agent_email(container, world)
    with container.uow() as uow:
        uow.session.execute(update(User).where(User.email == email).values(language="zh"))
        uow.commit()
    logged_in(client, email)

    page = client.get(f"/desktop/conversations/{ids['conversation_id']}").text

    assert "在其他渠道发送" in page and "Ctrl+Enter 发送" in page


def test_another_tenants_conversation_is_a_404_page_and_no_login_redirects(
    container: Container, client: TestClient, world: ApiWorld
) -> None:
    ids = world.post_app_message(app_message("m-1", ["app:anna"], SCRIPT)).json()
    url = f"/desktop/conversations/{ids['conversation_id']}"
    assert client.get(url, follow_redirects=False).headers["location"] == "/login?next=" + url
    stranger = make_world(container, client, slug=f"s{uuid.uuid4().hex[:8]}")
    logged_in(client, agent_email(container, stranger))

    for path in ("", "/case", f"/messages?before={uuid.uuid4()}", f"/messages/{ids['message_id']}"):
        response = client.get(url + path)
        assert response.status_code == 404, path
        assert response.headers["content-type"].startswith("text/html")
        assert "alert" not in response.text

"""The customer panel, the customer page (edit, addresses, merge, unmerge over the page's script path:
session cookie + X-CSRF-Token), customer search and the office visit form."""

import re
import uuid
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from omniline.bootstrap import Container
from omniline.cases.models import Case
from omniline.customers.models import Customer
from omniline.messages.normalized import Attachment
from omniline.security.models import AuditEntry
from omniline.taxonomy.models import Topic
from omniline.timeline.models import TimelineEvent
from tests.support import ApiWorld, make_world, row_counts
from tests.web.customers_support import add_channel, receive, user_email
from tests.web.support import logged_in

SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(2)>"
ESCAPED_SCRIPT = "&lt;script&gt;alert(1)&lt;/script&gt;"
ESCAPED_IMG = "&lt;img src=x onerror=alert(2)&gt;"
RAW = ("<script>alert", "<img src=x")


@dataclass
class Anna:
    """One person on four channels: the app (which knows all her addresses), e-mail, Telegram, a call."""

    customer_id: uuid.UUID
    case_id: uuid.UUID
    channels: dict[str, uuid.UUID]


@pytest.fixture
def anna(container: Container, world: ApiWorld) -> Anna:
    channels = {
        kind: add_channel(container, world.tenant_id, kind, name)
        for kind, name in (("email", "Почта"), ("telegram", "Бот"), ("voice", "Телефон"))
    }
    channels["api"] = uuid.UUID(world.channel["id"])
    first = receive(
        container,
        channels["api"],
        ["app:42", "email:anna@example.com", "telegram:777", "phone:+79161234567"],
        "Оформила заказ 45821",
        name="Анна Петрова",
    )
    receive(
        container,
        channels["email"],
        ["email:anna@example.com"],
        "Добрый день! Где мой заказ 45821?",
        subject="Заказ 45821",
        attachments=(Attachment("чек.pdf", "application/pdf", 2048),),
    )
    receive(container, channels["telegram"], ["telegram:777"], "你好，我的订单在哪里？")
    receive(container, channels["voice"], ["phone:+79161234567"], "", event="call.missed")
    return Anna(first.customer_id, first.case_id or uuid.uuid4(), channels)


def agent_page(client: TestClient, container: Container, world: ApiWorld) -> str:
    """Log the test client in as the tenant's agent; returns the CSRF token for the API header."""
    return logged_in(client, user_email(container, world))


def texts_of(html: str, css_class: str) -> list[str]:
    return re.findall(rf'<div class="{css_class}[^"]*">([^<]*)</div>', html)


def audit_actions(container: Container) -> list[str]:
    with container.uow() as uow:
        return list(uow.session.scalars(select(AuditEntry.action).order_by(AuditEntry.at, AuditEntry.id)))


# --- the panel ---------------------------------------------------------------------------------------


def test_the_panel_shows_addresses_open_cases_and_every_channels_messages(
    client: TestClient, container: Container, world: ApiWorld, anna: Anna
) -> None:
    agent_page(client, container, world)
    before = audit_actions(container)

    response = client.get(f"/desktop/customers/{anna.customer_id}/panel")

    assert response.status_code == 200
    html = response.text
    assert '<h2 class="cp-name">Анна Петрова</h2>' in html
    addresses = re.findall(r'<span class="identity-address">([^<]*)</span>', html)
    assert addresses == ["42", "anna@example.com", "777", "+79161234567"]
    assert re.findall(r'<strong class="cp-ref">([^<]*)</strong>', html) == ["C-1"]
    assert 'class="sla-countdown"' in html  # the case's SLA clock is running
    # newest first: the call, the Telegram message, the e-mail (subject, attachment), the app message
    assert texts_of(html, "tl-text") == [
        "你好，我的订单在哪里？",
        "Добрый день! Где мой заказ 45821?",
        "Оформила заказ 45821",
    ]
    assert texts_of(html, "tl-subject") == ["Заказ 45821"]
    assert "чек.pdf" in html
    assert '<span class="tl-label">Missed call</span>' in html
    kinds = re.findall(
        r'<li class="tl-item tl-message tl-in" data-id="[^"]+">\s*<div class="tl-meta">\s*'
        r'<svg class="channel-icon channel-(\w+)"',
        html,
    )
    assert kinds == ["voice", "telegram", "email", "api"]
    assert '<span class="tl-line">Case C-1 opened</span>' in html
    assert f'href="/desktop/customers/{anna.customer_id}"' in html
    # one audited read
    assert audit_actions(container)[len(before) :] == ["customer.viewed"]


def test_the_panel_speaks_the_agents_language(
    client: TestClient, container: Container, world: ApiWorld, anna: Anna
) -> None:
    token = agent_page(client, container, world)
    client.post("/language", data={"csrf_token": token, "language": "ru", "back": "/desktop"})
    html = client.get(f"/desktop/customers/{anna.customer_id}/panel").text
    assert "Открытые обращения" in html and "Обращение C-1 открыто" in html and "Пропущенный звонок" in html

    client.post("/language", data={"csrf_token": token, "language": "zh", "back": "/desktop"})
    html = client.get(f"/desktop/customers/{anna.customer_id}/panel").text
    assert "未结工单" in html and "工单 C-1 已创建" in html and "未接来电" in html


def test_everything_a_customer_or_an_agent_wrote_is_escaped_in_the_panel(
    client: TestClient, container: Container, world: ApiWorld
) -> None:
    mail = add_channel(container, world.tenant_id, "email", "Почта")
    sent = receive(
        container,
        mail,
        ["email:x@example.com"],
        f"Текст {SCRIPT} 文本 {IMG}",
        name=f"Имя {SCRIPT} 名字",
        subject=f"Тема {IMG} 主题",
        attachments=(Attachment(f"файл {IMG}.pdf", "application/pdf", 10),),
    )
    with container.uow() as uow:
        uow.session.get_one(Customer, sent.customer_id).notes = f"Заметка {IMG} 备注"
        uow.commit()
    agent_page(client, container, world)

    for path in ("/panel", "", "/timeline?before=ffffffff-ffff-7fff-bfff-ffffffffffff"):
        html = client.get(f"/desktop/customers/{sent.customer_id}{path}").text
        for raw in RAW:
            assert raw not in html, path
        assert f"Текст {ESCAPED_SCRIPT} 文本 {ESCAPED_IMG}" in html
        assert f"Тема {ESCAPED_IMG} 主题" in html
        assert f"файл {ESCAPED_IMG}.pdf" in html
        if path != "/timeline?before=ffffffff-ffff-7fff-bfff-ffffffffffff":
            assert f"Имя {ESCAPED_SCRIPT} 名字" in html
            assert f"Заметка {ESCAPED_IMG} 备注" in html


def test_the_timeline_pages_with_a_more_link_and_long_texts_start_shortened(
    client: TestClient, container: Container, world: ApiWorld
) -> None:
    mail = add_channel(container, world.tenant_id, "email", "Почта")
    long_text = "Очень длинное письмо. " * 20
    first = receive(container, mail, ["email:long@example.com"], long_text)
    for number in range(1, 35):
        receive(container, mail, ["email:long@example.com"], f"Письмо {number}")
    agent_page(client, container, world)
    audited = audit_actions(container)

    panel = client.get(f"/desktop/customers/{first.customer_id}/panel").text
    shown = texts_of(panel, "tl-text")
    assert len(re.findall(r'<li class="tl-item', panel)) == 30
    assert shown[0] == "Письмо 34"
    cursor = re.search(r'class="tl-more" href="[^"]+\?before=([0-9a-f-]+)"', panel)
    assert cursor is not None

    older = client.get(f"/desktop/customers/{first.customer_id}/timeline?before={cursor.group(1)}")

    assert older.status_code == 200
    rest = texts_of(older.text, "tl-text")
    assert rest[-1] == long_text and 'class="tl-text clamp"' in older.text and "Show all" in older.text
    assert len(shown) + len(rest) == 35
    assert "tl-more" not in older.text
    assert audit_actions(container)[len(audited) :] == ["customer.viewed"]  # the panel, not the page


def test_a_broken_timeline_cursor_is_a_clear_page_error(
    client: TestClient, container: Container, world: ApiWorld, anna: Anna
) -> None:
    agent_page(client, container, world)

    response = client.get(f"/desktop/customers/{anna.customer_id}/timeline?before=not-a-cursor")

    assert response.status_code == 422
    assert "This link to older entries is broken" in response.text


def test_another_tenants_customer_is_not_found_and_nothing_is_changed(
    client: TestClient, container: Container, world: ApiWorld, anna: Anna
) -> None:
    other = make_world(container, client, slug=f"o{uuid.uuid4().hex[:8]}")
    token = logged_in(client, user_email(container, other))
    before = row_counts(container)

    for path in ("", "/panel", "/timeline?before=ffffffff-ffff-7fff-bfff-ffffffffffff"):
        response = client.get(f"/desktop/customers/{anna.customer_id}{path}")
        assert response.status_code == 404, path
        assert response.headers["content-type"].startswith("text/html")
        assert "Анна" not in response.text
    edit = client.patch(
        f"/api/v1/customers/{anna.customer_id}", json={"name": "Чужая"}, headers={"X-CSRF-Token": token}
    )
    assert edit.status_code == 404
    assert client.get("/desktop/customers?q=Анна").text.count("/desktop/customers/") == 0
    assert row_counts(container) == before | {"audit_log": before["audit_log"] + 1}  # the search, audited


# --- the customer page: edit, addresses, merge, unmerge -----------------------------------------------


def test_the_customer_page_edits_the_profile_through_the_api_with_the_csrf_header(
    client: TestClient, container: Container, world: ApiWorld, anna: Anna
) -> None:
    token = agent_page(client, container, world)
    page = client.get(f"/desktop/customers/{anna.customer_id}")
    assert page.status_code == 200 and 'id="customer-edit"' in page.text
    assert 'data-src="/desktop/customers/' in page.text and '<div class="customer-panel"' in page.text

    response = client.patch(
        f"/api/v1/customers/{anna.customer_id}",
        json={"name": "Анна Сергеевна", "tier": "vip", "notes": f"Звонить после 18:00 {SCRIPT}"},
        headers={"X-CSRF-Token": token},
    )

    assert response.status_code == 200, response.text
    assert response.json()["changes"] == {
        "name": ["Анна Петрова", "Анна Сергеевна"],
        "tier": ["standard", "vip"],
        "notes": [None, f"Звонить после 18:00 {SCRIPT}"],
    }
    html = client.get(f"/desktop/customers/{anna.customer_id}/panel").text
    assert '<span class="badge tier-badge vip">VIP</span>' in html
    assert f"Звонить после 18:00 {ESCAPED_SCRIPT}" in html
    assert "Profile edited: name, tier, notes" in html
    with container.uow() as uow:
        audit = uow.session.scalars(select(AuditEntry).where(AuditEntry.action == "customer.updated")).one()
        assert audit.actor.startswith("user:") and audit.subject_id == anna.customer_id


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"tier": "VIP!!"}, 422),
        ({"value": -1}, 422),
        ({"name": "я" * 201}, 422),
        ({"notes": "x" * 5001}, 422),
        ({"owner": "me"}, 422),
    ],
)
def test_bad_edits_are_refused_and_change_nothing(
    client: TestClient, container: Container, world: ApiWorld, anna: Anna, body: dict[str, Any], status: int
) -> None:
    token = agent_page(client, container, world)
    before = row_counts(container)

    response = client.patch(
        f"/api/v1/customers/{anna.customer_id}", json=body, headers={"X-CSRF-Token": token}
    )

    assert response.status_code == status, response.text
    assert response.json()["error"]["message"]
    assert row_counts(container) == before


def test_an_edit_without_the_csrf_header_is_refused(
    client: TestClient, container: Container, world: ApiWorld, anna: Anna
) -> None:
    agent_page(client, container, world)
    before = row_counts(container)

    response = client.patch(f"/api/v1/customers/{anna.customer_id}", json={"name": "Взлом"})

    assert response.status_code == 403
    assert row_counts(container) == before


def test_an_address_is_added_normalised_and_one_of_another_customer_leads_to_merging(
    client: TestClient, container: Container, world: ApiWorld, anna: Anna
) -> None:
    token = agent_page(client, container, world)
    headers = {"X-CSRF-Token": token}
    boris = receive(container, anna.channels["telegram"], ["telegram:888"], "Привет", name="Борис")

    added = client.post(
        f"/api/v1/customers/{anna.customer_id}/identities",
        json={"identity": "phone:8 (916) 555-12-34"},
        headers=headers,
    )
    assert added.status_code == 201, added.text
    assert added.json() == {
        "identity": "phone:+79165551234",
        "kind": "phone",
        "address": "+79165551234",
        "verified": False,
    }
    again = client.post(
        f"/api/v1/customers/{anna.customer_id}/identities",
        json={"identity": "phone:+7 916 555 12 34"},
        headers=headers,
    )
    assert again.status_code == 200

    before = row_counts(container)
    taken = client.post(
        f"/api/v1/customers/{anna.customer_id}/identities", json={"identity": "telegram:888"}, headers=headers
    )
    assert taken.status_code == 409 and taken.json()["error"]["code"] == "identity_taken"
    assert row_counts(container) == before
    # the page's script then finds the owner, to offer the merge
    owner = client.get("/api/v1/customers", params={"identity": "telegram:888"}).json()["items"]
    assert [item["id"] for item in owner] == [str(boris.customer_id)]
    bad = client.post(
        f"/api/v1/customers/{anna.customer_id}/identities",
        json={"identity": "phone:not a phone"},
        headers=headers,
    )
    assert bad.status_code == 422
    assert row_counts(container) == before


def test_merging_and_undoing_it_from_the_customer_page(
    client: TestClient, container: Container, world: ApiWorld, anna: Anna
) -> None:
    token = agent_page(client, container, world)
    headers = {"X-CSRF-Token": token}
    duplicate = receive(
        container, anna.channels["email"], ["email:anna.p@example.org"], "Это снова я", name="Анна П."
    )
    found = client.get("/api/v1/customers", params={"q": "анна"}).json()["items"]
    assert {item["id"] for item in found} == {str(anna.customer_id), str(duplicate.customer_id)}

    merged = client.post(
        f"/api/v1/customers/{anna.customer_id}/merge",
        json={"customer_id": str(duplicate.customer_id), "reason": "Одна и та же клиентка"},
        headers=headers,
    )
    assert merged.status_code == 200, merged.text

    page = client.get(f"/desktop/customers/{anna.customer_id}?done=merged").text
    assert "The customers were merged." in page
    assert "Merged in:" in page and "Одна и та же клиентка" in page
    assert f'data-survivor-id="{anna.customer_id}" data-merged-id="{duplicate.customer_id}"' in page
    gone = client.get(f"/desktop/customers/{duplicate.customer_id}").text
    assert "This customer was merged into another one" in gone
    assert f'<a href="/desktop/customers/{anna.customer_id}" id="survivor-link">' in gone
    assert 'id="customer-edit"' not in gone
    refused = client.patch(f"/api/v1/customers/{duplicate.customer_id}", json={"name": "x"}, headers=headers)
    assert refused.status_code == 409

    undone = client.post(
        f"/api/v1/customers/{anna.customer_id}/unmerge",
        json={"customer_id": str(duplicate.customer_id), "reason": "Ошиблась"},
        headers=headers,
    )
    assert undone.status_code == 200, undone.text
    page = client.get(f"/desktop/customers/{anna.customer_id}?done=unmerged").text
    assert "The merge was undone" in page and 'class="unmerge-form' not in page
    panel = client.get(f"/desktop/customers/{duplicate.customer_id}/panel").text
    assert "Это снова я" in panel and "Оформила заказ" not in panel


# --- search ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("анна", ["Анна Петрова"]),
        ("ПЕТРОВА", ["Анна Петрова"]),
        ("王", ["王伟"]),
        ("smith", ["John Smith"]),
        ("ANNA@Example.COM", ["Анна Петрова"]),
        ("8 916 123-45-67", ["Анна Петрова"]),
        ("telegram:999", ["王伟"]),
        ("example.com", ["Анна Петрова"]),
    ],
)
def test_search_finds_customers_by_name_in_any_language_or_by_any_address(
    client: TestClient, container: Container, world: ApiWorld, anna: Anna, query: str, expected: list[str]
) -> None:
    receive(container, anna.channels["telegram"], ["telegram:999"], "你好", name="王伟")
    receive(container, anna.channels["email"], ["email:john@mail.test"], "Hello", name="John Smith")
    agent_page(client, container, world)

    html = client.get("/desktop/customers", params={"q": query}).text

    names = re.findall(r'<a href="/desktop/customers/[0-9a-f-]+">([^<]*)</a>', html)
    assert names == expected


def test_search_shows_open_cases_and_says_when_nothing_matches(
    client: TestClient, container: Container, world: ApiWorld, anna: Anna
) -> None:
    agent_page(client, container, world)

    found = client.get("/desktop/customers", params={"q": "Петрова"}).text
    nothing = client.get("/desktop/customers", params={"q": f"нет такого {SCRIPT}"}).text

    assert "<strong>C-1</strong> Open" in found and "anna@example.com" in found
    assert f"No customer matches “нет такого {ESCAPED_SCRIPT}”." in nothing and "<script>alert" not in nothing


# --- the visit form ----------------------------------------------------------------------------------


@pytest.fixture
def office(container: Container, world: ApiWorld) -> uuid.UUID:
    for topic in (
        {"code": "returns", "names": {"en": "Returns", "ru": "Возвраты", "zh": "退货"}},
        {"code": "returns.broken", "names": {"en": "Broken goods", "ru": "Брак", "zh": "商品损坏"}},
    ):
        created = world.client.post("/api/v1/topics", json=topic, headers=world.admin_headers)
        assert created.status_code == 201, created.text
    return add_channel(container, world.tenant_id, "walkin", "Офис на Тверской", address="Москва")


def visit_fields(token: str, office: uuid.UUID, **overrides: str) -> dict[str, str]:
    return {
        "csrf_token": token,
        "visit_id": uuid.uuid4().hex,
        "channel_id": str(office),
        "customer_id": "",
        "name": "Ольга",
        "phone": "8 903 111-22-33",
        "email": "",
        "topic": "returns.broken",
        "notes": "Принесла сломанный чайник, оформили возврат.",
        "outcome": "resolved",
    } | overrides


def test_the_visit_form_offers_offices_and_leaf_topics_in_the_page_language(
    client: TestClient, container: Container, world: ApiWorld, office: uuid.UUID
) -> None:
    token = agent_page(client, container, world)
    client.post("/language", data={"csrf_token": token, "language": "ru", "back": "/desktop"})

    html = client.get("/desktop/visits/new").text

    assert "Офис на Тверской" in html
    assert re.findall(r'<option value="(returns[^"]*)"[^>]*>([^<]*)</option>', html) == [
        ("returns.broken", "Возвраты › Брак")
    ]


def test_a_visit_recorded_on_the_form_joins_the_customer_with_its_topic_confirmed_and_resolved(
    client: TestClient, container: Container, world: ApiWorld, office: uuid.UUID
) -> None:
    token = agent_page(client, container, world)

    response = client.post("/desktop/visits/new", data=visit_fields(token, office), follow_redirects=False)

    assert response.status_code == 303, response.text
    customer_id = response.headers["location"].split("/")[3].split("?")[0]
    assert response.headers["location"] == f"/desktop/customers/{customer_id}?done=visit"
    page = client.get(response.headers["location"]).text
    assert "The visit was recorded." in page and "Принесла сломанный чайник, оформили возврат." in page
    assert "Office visit" in page and "resolved on the spot" in page
    with container.uow() as uow:
        case = uow.session.scalars(select(Case)).one()
        topic = uow.session.get_one(Topic, case.topic_id)
        assert (case.status, topic.code, case.topic_confirmed, case.topic_source) == (
            "resolved",
            "returns.broken",
            True,
            "agent",
        )
        assert str(case.customer_id) == customer_id
        assert uow.session.get_one(Customer, case.customer_id).name == "Ольга"
    assert "visit.recorded" in audit_actions(container)


def test_a_visit_for_a_chosen_customer_goes_on_their_record(
    client: TestClient, container: Container, world: ApiWorld, anna: Anna, office: uuid.UUID
) -> None:
    token = agent_page(client, container, world)
    form = client.get(f"/desktop/visits/new?customer_id={anna.customer_id}").text
    assert "Анна Петрова" in form and 'id="visit-new" disabled' in form

    fields = visit_fields(
        token, office, customer_id=str(anna.customer_id), name="", phone="", outcome="follow_up"
    )
    response = client.post("/desktop/visits/new", data=fields, follow_redirects=False)

    assert response.status_code == 303
    assert response.headers["location"] == f"/desktop/customers/{anna.customer_id}?done=visit"
    with container.uow() as uow:
        case = uow.session.get_one(Case, anna.case_id)
        assert case.status == "open" and case.topic_confirmed
        visits = uow.session.scalar(
            select(func.count())
            .select_from(TimelineEvent)
            .where(TimelineEvent.customer_id == anna.customer_id, TimelineEvent.channel_kind == "walkin")
        )
        assert visits == 1


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"notes": "  "}, "notes", "Write what the customer wanted and what was done."),
        ({"phone": f"не телефон {SCRIPT}"}, "phone", "This is not a phone number."),
        ({"phone": "", "email": "not-an-email"}, "email", "This is not an e-mail address."),
        ({"phone": ""}, "customer", "Find the customer, or give a phone number or an e-mail address."),
        ({"topic": "returns"}, "topic", "Choose a topic from the list."),
        ({"channel_id": str(uuid.uuid4())}, "channel_id", "Choose the office."),
        ({"outcome": "maybe"}, "outcome", "Say whether it was resolved on the spot."),
        ({"customer_id": str(uuid.uuid4())}, "customer", "That customer was not found; search again."),
    ],
)
def test_a_visit_form_with_errors_is_shown_again_with_the_values_and_stores_nothing(
    client: TestClient,
    container: Container,
    world: ApiWorld,
    office: uuid.UUID,
    overrides: dict[str, str],
    field: str,
    message: str,
) -> None:
    token = agent_page(client, container, world)
    before = row_counts(container)
    fields = visit_fields(token, office, name=f"Ольга {IMG} 奥尔加", **overrides)

    response = client.post("/desktop/visits/new", data=fields)

    assert response.status_code == 422
    assert f'<p class="field-error error" id="error-{field}">{message}</p>' in response.text
    assert f'value="Ольга {ESCAPED_IMG} 奥尔加"' in response.text
    assert "<img src=x" not in response.text and "<script>alert" not in response.text
    assert row_counts(container) == before


def test_a_visit_form_post_without_its_token_is_refused(
    client: TestClient, container: Container, world: ApiWorld, office: uuid.UUID
) -> None:
    agent_page(client, container, world)
    before = row_counts(container)

    response = client.post("/desktop/visits/new", data=visit_fields("forged", office))

    assert response.status_code == 403
    assert row_counts(container) == before


def test_the_pages_need_a_session(client: TestClient, anna: Anna) -> None:
    for path in (f"/desktop/customers/{anna.customer_id}", "/desktop/customers?q=a", "/desktop/visits/new"):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"].startswith("/login?next=")

"""The admin pages over HTTP: who may see them, channels (the secret shown once), test sends, users,
the taxonomy and routing editors (a bad document changes nothing), the dry run, escaping, languages."""

import re
import uuid
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from omniline.accounts.models import User
from omniline.agents.models import AgentProfile
from omniline.app import create_app
from omniline.bootstrap import Container
from omniline.channels.models import Channel, Delivery
from omniline.routing.models import RoutingPolicy
from omniline.security.models import WebSession
from omniline.taxonomy.models import Topic
from tests.support import PASSWORD, ApiWorld, make_world, row_counts
from tests.web.support import logged_in

XSS = "<script>alert(1)</script><img src=x onerror=alert(2)>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;"
ADMIN_PAGES = ["/admin", "/admin/channels", "/admin/users", "/admin/taxonomy", "/admin/routing"]
TAXONOMY = """version: 1
topics:
  - code: billing
    names: {en: "Billing <b>x</b>", ru: Оплата, zh: 账单}
    risk: medium
    skills: [billing]
    sla:
      live: {first_response: 60, resolution: 3600}
    children:
      - code: billing.refund
        names: {en: Refund, ru: Возврат денег, zh: 退款}
        risk: high
"""


def _email(container: Container, world: ApiWorld, role: str) -> str:
    with container.uow() as uow:
        email = uow.session.scalar(
            select(User.email).where(User.tenant_id == world.tenant_id, User.role == role)
        )
    assert email is not None
    return email


def _user_id(container: Container, email: str) -> uuid.UUID:
    with container.uow() as uow:
        found = uow.session.scalar(select(User.id).where(User.email == email))
    assert found is not None
    return found


@pytest.fixture
def admin(container: Container, client: TestClient, world: ApiWorld) -> str:
    """The client, logged in as the tenant's admin; the session's CSRF token."""
    return logged_in(client, _email(container, world, "admin"))


@pytest.fixture
def other_browser(container: Container) -> Iterator[TestClient]:
    with TestClient(create_app(container, run_workers=False), raise_server_exceptions=False) as browser:
        yield browser


def _form(token: str, **fields: str) -> dict[str, str]:
    return {"csrf_token": token, **fields}


# --- who may see the pages ---


@pytest.mark.parametrize("role", ["agent", "supervisor"])
def test_agents_and_supervisors_get_403_on_every_admin_page_and_post(
    container: Container, world: ApiWorld, other_browser: TestClient, role: str
) -> None:
    email = _email(container, world, "agent")
    if role == "supervisor":
        with container.uow() as uow:
            uow.session.execute(update(User).where(User.email == email).values(role="supervisor"))
            uow.commit()
    token = logged_in(other_browser, email)
    user_id = _user_id(container, _email(container, world, "admin"))
    before = row_counts(container)

    pages = [
        other_browser.get(path)
        for path in [*ADMIN_PAGES, f"/admin/channels/{world.channel['id']}", f"/admin/users/{user_id}"]
    ]
    posts = [
        other_browser.post("/admin/channels", data=_form(token, kind="api", name="X", config="")),
        other_browser.post(
            "/admin/users",
            data=_form(token, name="X", email="x@example.com", role="admin", password=PASSWORD),
        ),
        other_browser.post(f"/admin/users/{user_id}/active", data=_form(token, active="false")),
        other_browser.post("/admin/taxonomy", data=_form(token, document=TAXONOMY)),
        other_browser.post(
            "/admin/routing", data=_form(token, document="rules: []", action="save", base_version="0")
        ),
    ]

    assert [page.status_code for page in pages] == [403] * len(pages)
    assert [post.status_code for post in posts] == [403] * len(posts)
    assert "This page is for the admin role." in pages[0].text
    assert row_counts(container) == before


def test_without_a_login_the_admin_pages_redirect_to_the_login_page(client: TestClient) -> None:
    response = client.get("/admin/routing", follow_redirects=False)

    assert (response.status_code, response.headers["location"]) == (303, "/login?next=/admin/routing")


def test_another_tenants_channel_and_user_are_not_found(
    container: Container, client: TestClient, world: ApiWorld, admin: str
) -> None:
    other = make_world(container, client, slug=f"o{uuid.uuid4().hex[:8]}")
    stranger = _user_id(container, _email(container, other, "agent"))
    before = row_counts(container)

    answers = [
        client.get(f"/admin/channels/{other.channel['id']}"),
        client.post(f"/admin/channels/{other.channel['id']}/active", data=_form(admin, active="false")),
        client.post(f"/admin/channels/{other.channel['id']}/test", data=_form(admin, to="app:1", text="x")),
        client.get(f"/admin/users/{stranger}"),
        client.post(f"/admin/users/{stranger}/active", data=_form(admin, active="false")),
        client.post(f"/admin/users/{stranger}/password", data=_form(admin, password="new-password-1")),
    ]

    assert [answer.status_code for answer in answers] == [404] * len(answers)
    assert row_counts(container) == before


def test_a_form_post_without_the_csrf_token_is_refused(
    container: Container, client: TestClient, admin: str
) -> None:
    before = row_counts(container)

    response = client.post("/admin/channels", data={"kind": "api", "name": "X", "config": ""})

    assert response.status_code == 403
    assert row_counts(container) == before


def test_the_overview_counts_and_links_every_section(client: TestClient, admin: str) -> None:
    page = client.get("/admin")

    assert page.status_code == 200
    for path in ADMIN_PAGES[1:]:
        assert f'href="{path}"' in page.text
    assert "rules, the default policy" in page.text


# --- channels ---


def test_a_new_channel_shows_its_secret_once_and_never_again(
    container: Container, client: TestClient, admin: str
) -> None:
    created = client.post(
        "/admin/channels",
        data=_form(
            admin, kind="api", name=f"App {XSS}", config="webhook_url: https://app.example.com/hook\n"
        ),
    )

    assert created.status_code == 201, created.text
    with container.uow() as uow:
        channel = uow.session.scalars(select(Channel).where(Channel.name == f"App {XSS}")).one()
        channel_id, secret = channel.id, channel.secret
    assert secret in created.text
    assert f"/hooks/{channel_id}" in created.text
    assert "will not be shown again" in created.text
    assert ESCAPED in created.text and XSS not in created.text
    listing, detail = client.get("/admin/channels"), client.get(f"/admin/channels/{channel_id}")
    assert secret not in listing.text and secret not in detail.text
    assert ESCAPED in listing.text and XSS not in listing.text
    assert ESCAPED in detail.text and XSS not in detail.text
    assert "https://app.example.com/hook" in detail.text


def test_a_bad_channel_config_is_shown_and_nothing_is_stored(
    container: Container, client: TestClient, admin: str
) -> None:
    before = row_counts(container)

    answers = [
        client.post(
            "/admin/channels", data=_form(admin, kind="sms", name="SMS", config="account_sid: AC1\n")
        ),
        client.post(
            "/admin/channels", data=_form(admin, kind="api", name="App", config="webhook_url: [unclosed\n")
        ),
        client.post("/admin/channels", data=_form(admin, kind="api", name="App", config="- a list\n")),
        client.post("/admin/channels", data=_form(admin, kind="fax", name="Fax", config="")),
    ]

    assert [answer.status_code for answer in answers] == [422] * 4
    assert "an sms channel needs auth_token, from_number in its config" in answers[0].text
    assert "The configuration is not valid YAML or JSON." in answers[1].text
    assert "The configuration must be a mapping of keys to values." in answers[2].text
    assert "unknown channel kind" in answers[3].text
    assert 'name="name" value="SMS"' in answers[0].text  # the admin's input is kept
    assert row_counts(container) == before


def test_a_test_send_from_the_page_queues_one_delivery_and_lists_it(
    container: Container, client: TestClient, world: ApiWorld, admin: str
) -> None:
    channel_id = world.channel["id"]

    response = client.post(
        f"/admin/channels/{channel_id}/test",
        data=_form(admin, to="app:42", text="Привет 你好"),
        follow_redirects=False,
    )

    assert response.status_code == 303
    assert response.headers["location"] == f"/admin/channels/{channel_id}?done=test_queued#tests"
    with container.uow() as uow:
        [delivery] = uow.session.scalars(select(Delivery)).all()
        delivery_id, recipient = delivery.id, delivery.payload["recipient"]
    assert recipient == "app:42"
    page = client.get(response.headers["location"])
    assert f'data-delivery-id="{delivery_id}"' in page.text
    assert "The test message is in the outbox" in page.text


def test_a_test_send_to_a_bad_address_says_why_and_stores_nothing(
    container: Container, client: TestClient, world: ApiWorld, admin: str
) -> None:
    before = row_counts(container)

    response = client.post(
        f"/admin/channels/{world.channel['id']}/test", data=_form(admin, to=XSS, text="hi")
    )

    assert response.status_code == 422
    assert "The test was not sent:" in response.text
    assert "&lt;script&gt;" in response.text and "<script>alert" not in response.text
    assert row_counts(container) == before


def test_an_inbound_only_channel_says_it_cannot_send_a_test(
    container: Container, client: TestClient, admin: str
) -> None:
    client.post(
        "/admin/channels", data=_form(admin, kind="walkin", name="Office", config="address: Main St 1\n")
    )
    with container.uow() as uow:
        channel_id = uow.session.scalar(select(Channel.id).where(Channel.kind == "walkin"))

    page = client.get(f"/admin/channels/{channel_id}")

    assert 'id="cannot-send"' in page.text and 'id="test-send"' not in page.text


def test_disabling_a_channel_from_its_page(
    container: Container, client: TestClient, world: ApiWorld, admin: str
) -> None:
    channel_id = world.channel["id"]

    response = client.post(f"/admin/channels/{channel_id}/active", data=_form(admin, active="false"))

    assert response.status_code == 200
    assert "The channel is disabled." in response.text
    with container.uow() as uow:
        assert uow.session.get_one(Channel, uuid.UUID(channel_id)).is_active is False
    assert client.post(f"/hooks/{channel_id}", content=b"{}").status_code == 404


# --- users ---


def test_an_admin_creates_a_user_whose_name_renders_as_text(
    container: Container, client: TestClient, admin: str
) -> None:
    response = client.post(
        "/admin/users",
        data=_form(
            admin, name=f"Анна 安娜 {XSS}", email="anna@example.com", role="supervisor", password=PASSWORD
        ),
    )

    assert response.status_code == 200
    assert "The user was created." in response.text
    assert ESCAPED in response.text and XSS not in response.text
    listing = client.get("/admin/users")
    assert "Анна 安娜" in listing.text and ESCAPED in listing.text and XSS not in listing.text
    with container.uow() as uow:
        user = uow.session.scalars(select(User).where(User.email == "anna@example.com")).one()
        assert (user.role, user.is_active) == ("supervisor", True)


def test_a_taken_email_is_shown_and_nothing_is_stored(
    container: Container, client: TestClient, world: ApiWorld, admin: str
) -> None:
    before = row_counts(container)

    response = client.post(
        "/admin/users",
        data=_form(
            admin, name="Twin", email=_email(container, world, "agent"), role="agent", password=PASSWORD
        ),
    )

    assert response.status_code == 422
    assert "The user was not created:" in response.text and "already exists" in response.text
    assert row_counts(container) == before


def test_disabling_a_user_from_the_page_ends_their_session(
    container: Container, client: TestClient, world: ApiWorld, admin: str, other_browser: TestClient
) -> None:
    email = _email(container, world, "agent")
    logged_in(other_browser, email)
    user_id = _user_id(container, email)

    response = client.post(f"/admin/users/{user_id}/active", data=_form(admin, active="false"))

    assert response.status_code == 200
    assert "The user is disabled and logged out everywhere." in response.text
    assert other_browser.get("/desktop", follow_redirects=False).status_code == 303
    with container.uow() as uow:
        assert (
            uow.session.scalars(select(WebSession.ended_at).where(WebSession.user_id == user_id)).one()
            is not None
        )


def test_an_admin_cannot_demote_themselves_from_the_page(
    container: Container, client: TestClient, world: ApiWorld, admin: str
) -> None:
    admin_id = _user_id(container, _email(container, world, "admin"))
    before = row_counts(container)

    page = client.get(f"/admin/users/{admin_id}")
    response = client.post(f"/admin/users/{admin_id}", data=_form(admin, name="admin", role="agent"))

    assert '<select name="role" disabled>' in page.text
    assert response.status_code == 409
    assert "you cannot change your own role" in response.text
    assert row_counts(container) == before


def test_an_agents_profile_is_edited_on_their_page(
    container: Container, client: TestClient, world: ApiWorld, admin: str
) -> None:
    user_id = _user_id(container, _email(container, world, "agent"))

    response = client.post(
        f"/admin/users/{user_id}/profile",
        data=_form(
            admin, skills="billing:3, refunds:2", languages="ru, zh", capacity_webchat="3", capacity_email="5"
        ),
    )
    refused = client.post(f"/admin/users/{user_id}/profile", data=_form(admin, skills="billing:high"))

    assert response.status_code == 200
    assert "The agent profile was saved." in response.text
    assert 'value="billing:3, refunds:2"' in response.text
    assert refused.status_code == 422 and "Write skills as name:level" in refused.text
    with container.uow() as uow:
        profile = uow.session.scalars(select(AgentProfile).where(AgentProfile.user_id == user_id)).one()
        assert (profile.skills, profile.languages, profile.capacity) == (
            {"billing": 3, "refunds": 2},
            ["ru", "zh"],
            {"webchat": 3, "email": 5},
        )


# --- taxonomy ---


def test_the_taxonomy_is_saved_from_yaml_and_shown_in_the_page_language(
    container: Container, client: TestClient, world: ApiWorld, admin: str
) -> None:
    saved = client.post("/admin/taxonomy", data=_form(admin, document=TAXONOMY))

    assert saved.status_code == 200
    assert "The taxonomy was saved." in saved.text
    assert "Billing &lt;b&gt;x&lt;/b&gt;" in saved.text and "Billing <b>x" not in saved.text
    assert "1 min / 1 h" in saved.text
    _set_language(container, _email(container, world, "admin"), "ru")
    russian = client.get("/admin/taxonomy")
    assert (
        "Возврат денег" in russian.text and "Классификатор" in russian.text and "1 мин / 1 ч" in russian.text
    )


def test_a_bad_taxonomy_shows_each_problem_and_changes_nothing(
    container: Container, client: TestClient, admin: str
) -> None:
    client.post("/admin/taxonomy", data=_form(admin, document=TAXONOMY))
    before = row_counts(container)
    broken = TAXONOMY.replace("risk: high", "risk: extreme").replace("ru: Оплата, ", "")
    broken = broken.replace("names: {en: Refund", "names: {ru: Возврат")

    response = client.post("/admin/taxonomy", data=_form(admin, document=broken))
    not_yaml = client.post("/admin/taxonomy", data=_form(admin, document="version: 1\ntopics: [\n"))

    assert response.status_code == 422
    assert "Nothing was saved: the file has problems." in response.text
    assert "topic &#39;billing.refund&#39;: risk:" in response.text
    assert (
        "topic &#39;billing.refund&#39;: names: an English name (&#39;en&#39;) is required" in response.text
    )
    assert "risk: extreme" in response.text  # the editor keeps what the admin wrote
    assert not_yaml.status_code == 400 and "is not valid YAML at line" in not_yaml.text
    assert row_counts(container) == before
    with container.uow() as uow:
        assert uow.session.scalar(select(Topic.risk).where(Topic.code == "billing.refund")) == "high"


def test_deactivating_a_topic_deactivates_its_subtree(
    container: Container, client: TestClient, admin: str
) -> None:
    client.post("/admin/taxonomy", data=_form(admin, document=TAXONOMY))
    with container.uow() as uow:
        billing = uow.session.scalar(select(Topic.id).where(Topic.code == "billing"))

    response = client.post(f"/admin/taxonomy/topics/{billing}/deactivate", data=_form(admin))

    assert response.status_code == 200
    assert "The topic and the topics under it are deactivated." in response.text
    with container.uow() as uow:
        assert set(uow.session.scalars(select(Topic.is_active))) == {False}


# --- routing rules ---

GOOD_POLICY = """settings: {default_queue: general}
rules:
  - name: vip-first
    when: {customer_tier: [vip]}
    then: {queue: priority, priority: 10}
  - name: sms-to-mobile
    when: {channel_kind: sms}
    then: {queue: mobile}
"""


def test_a_bad_rule_is_shown_naming_the_rule_and_field_and_nothing_is_saved(
    container: Container, client: TestClient, admin: str
) -> None:
    before = row_counts(container)
    bad = GOOD_POLICY.replace("customer_tier: [vip]", "tier: [vip]")

    for action in ("validate", "save", "try"):
        response = client.post(
            "/admin/routing", data=_form(admin, document=bad, action=action, base_version="0")
        )

        assert response.status_code == 422
        assert "The rules have problems; nothing was saved." in response.text
        assert "rule 1 &#39;vip-first&#39;: unknown condition &#39;tier&#39;" in response.text
        assert "did you mean customer_tier?" in response.text
    assert row_counts(container) == before


def test_valid_rules_are_validated_then_saved_with_a_version_and_who_saved_them(
    container: Container, client: TestClient, admin: str
) -> None:
    validated = client.post(
        "/admin/routing", data=_form(admin, document=GOOD_POLICY, action="validate", base_version="0")
    )
    saved = client.post(
        "/admin/routing", data=_form(admin, document=GOOD_POLICY, action="save", base_version="0")
    )

    assert validated.status_code == 200 and 'id="policy-valid"' in validated.text
    assert saved.status_code == 200
    assert "The routing rules were saved." in saved.text
    assert re.search(r"Version 1, saved by admin on", saved.text)
    with container.uow() as uow:
        row = uow.session.scalars(select(RoutingPolicy)).one()
        assert ([rule["name"] for rule in row.rules], row.version) == (["vip-first", "sms-to-mobile"], 1)
    same = client.post(
        "/admin/routing", data=_form(admin, document=GOOD_POLICY, action="validate", base_version="1")
    )
    assert 'id="draft-badge"' not in same.text  # the same rules, however they are spelled


def test_a_save_over_a_newer_version_is_refused(container: Container, client: TestClient, admin: str) -> None:
    client.post("/admin/routing", data=_form(admin, document=GOOD_POLICY, action="save", base_version="0"))
    before = row_counts(container)

    stale = client.post(
        "/admin/routing", data=_form(admin, document="rules: []\n", action="save", base_version="0")
    )

    assert stale.status_code == 409
    assert "Someone saved version 1 while you were editing." in stale.text
    assert row_counts(container) == before
    with container.uow() as uow:
        assert uow.session.scalar(select(RoutingPolicy.version)) == 1


def test_the_dry_run_shows_which_rule_fires_and_why(
    container: Container, client: TestClient, admin: str
) -> None:
    response = client.post(
        "/admin/routing",
        data=_form(
            admin,
            document=GOOD_POLICY,
            action="try",
            channel_kind="sms",
            customer_tier="vip",
            base_version="0",
        ),
    )
    nothing = client.post(
        "/admin/routing",
        data=_form(admin, document=GOOD_POLICY, action="try", channel_kind="email", base_version="0"),
    )

    assert response.status_code == 200
    assert "Rule vip-first fires" in response.text
    assert "queue: priority" in response.text
    assert "vip-first" in response.text and "customer_tier" in response.text
    assert "No rule matched: the default queue" in nothing.text and "queue: general" in nothing.text
    assert 'id="draft-badge"' in response.text  # the draft, not the default policy in force
    with container.uow() as uow:
        assert uow.session.scalars(select(RoutingPolicy)).all() == []  # a dry run saves nothing


# --- languages ---


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("ru", ["Каналы", "Пользователи и роли", "Правила маршрутизации"]),
        ("zh", ["渠道", "用户和角色", "路由规则"]),
    ],
)
def test_the_admin_pages_speak_russian_and_chinese(
    container: Container, client: TestClient, world: ApiWorld, admin: str, language: str, words: list[str]
) -> None:
    _set_language(container, _email(container, world, "admin"), language)

    pages = [client.get(path) for path in ADMIN_PAGES]

    assert [page.status_code for page in pages] == [200] * len(pages)
    for word in words:
        assert word in pages[0].text


def _set_language(container: Container, email: str, language: str) -> None:
    with container.uow() as uow:
        uow.session.execute(update(User).where(User.email == email).values(language=language))
        uow.commit()

"""The spine end to end over HTTP: an app posts signed messages, identities become one customer,
an agent reads the timeline and replies, and the reply is delivered (and retried) to the webhook."""

from fastapi.testclient import TestClient

from omniline.bootstrap import Container
from tests.support import ApiWorld, app_message, row_counts


def test_signed_message_is_stored_on_a_new_customer_conversation_and_case(world: ApiWorld) -> None:
    # when
    response = world.post_app_message(
        app_message("m-1", ["app:42", "phone:8 916 123-45-67"], "Где мой заказ?")
    )

    # then
    assert response.status_code == 202
    ids = response.json()
    assert set(ids) == {"message_id", "conversation_id", "case_id", "customer_id"}
    customer = world.client.get(f"/api/v1/customers/{ids['customer_id']}", headers=world.agent_headers).json()
    assert [item["identity"] for item in customer["identities"]] == ["app:42", "phone:+79161234567"]
    messages = world.client.get(
        f"/api/v1/conversations/{ids['conversation_id']}/messages", headers=world.agent_headers
    ).json()["items"]
    assert len(messages) == 1
    message = messages[0]
    assert message["text"] == "Где мой заказ?"
    assert message["direction"] == "in"
    assert message["channel_kind"] == "api"
    assert message["sender"] == {"identity": "app:42", "name": "Анна"}
    assert message["case_id"] == ids["case_id"]
    assert message["external_id"] == "m-1"
    case = world.client.get(f"/api/v1/cases/{ids['case_id']}", headers=world.agent_headers).json()
    assert case["status"] == "open"
    assert case["reference"] == "C-1"


def test_wrong_secret_is_refused_and_stores_nothing(world: ApiWorld, container: Container) -> None:
    before = row_counts(container)

    response = world.post_app_message(app_message("m-1", ["app:42"]), secret="not-the-channel-secret")

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "bad_signature"
    assert row_counts(container) == before


def test_the_same_message_posted_twice_is_stored_once(world: ApiWorld, container: Container) -> None:
    first = world.post_app_message(app_message("m-1", ["app:42"], "你好，我的退款呢？"))
    after_first = row_counts(container)

    second = world.post_app_message(app_message("m-1", ["app:42"], "你好，我的退款呢？"))

    assert second.status_code == 202
    assert second.json() == first.json()
    assert row_counts(container) == after_first
    assert after_first["messages"] == 1


def test_three_identities_end_in_one_customer_with_one_timeline(
    world: ApiWorld, container: Container
) -> None:
    # given a customer known by e-mail and another known by phone
    by_email = world.post_app_message(
        app_message("m-1", ["email:Anna@Example.com"], "Письмо про заказ")
    ).json()
    by_phone = world.post_app_message(
        app_message("m-2", ["phone:+7 916 123 45 67"], "Звонок про заказ")
    ).json()
    assert by_email["customer_id"] != by_phone["customer_id"]

    # when a message carries both identities
    both = world.post_app_message(
        app_message("m-3", ["email:anna@example.com", "phone:89161234567"], "Из приложения")
    ).json()

    # then the older record survives and holds all three messages
    survivor = by_email["customer_id"]
    assert both["customer_id"] == survivor
    found = world.client.get(
        "/api/v1/customers", params={"identity": "phone:+79161234567"}, headers=world.agent_headers
    ).json()["items"]
    assert [item["id"] for item in found] == [survivor]
    timeline = world.client.get(f"/api/v1/customers/{survivor}/timeline", headers=world.agent_headers).json()
    texts = [item["message"]["text"] for item in timeline["items"] if item["type"] == "message.received"]
    assert texts == ["Из приложения", "Звонок про заказ", "Письмо про заказ"]
    assert "customer.merged" in [item["type"] for item in timeline["items"]]
    merged = world.client.get(
        f"/api/v1/customers/{by_phone['customer_id']}", headers=world.agent_headers
    ).json()
    assert merged["merged_into_id"] == survivor
    assert merged["identities"] == []


def test_messages_of_other_tenants_are_invisible(
    world: ApiWorld, container: Container, client: TestClient
) -> None:
    from tests.support import make_world

    ids = world.post_app_message(app_message("m-1", ["app:42"])).json()
    other = make_world(container, client, slug="other-tenant")

    response = client.get(f"/api/v1/customers/{ids['customer_id']}", headers=other.agent_headers)

    assert response.status_code == 404
    lookup = client.get("/api/v1/customers", params={"identity": "app:42"}, headers=other.agent_headers)
    assert lookup.json()["items"] == []

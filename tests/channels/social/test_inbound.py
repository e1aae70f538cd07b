"""Mentions and comments from the listening integration: the exact normalised message, threads by
root post, and refusals that store nothing."""

import json
import uuid
from datetime import datetime, timedelta, timezone

import pytest

from omniline.bootstrap import Container
from omniline.channels.base import HookRequest
from omniline.channels.service import load_channel_info
from omniline.channels.signing import sign_body
from omniline.channels.social.adapter import SocialChannelAdapter
from omniline.customers.identities import IdentityClaim
from omniline.messages.normalized import InboundMessage
from tests.channels.social.conftest import SocialWorld, fixture
from tests.support import row_counts


def parse(social: SocialWorld, container: Container, name: str) -> list[InboundMessage]:
    raw = json.dumps(fixture(name), ensure_ascii=False).encode()
    with container.uow() as uow:
        info = load_channel_info(uow.session, uuid.UUID(social.channel["id"]))
    request = HookRequest(
        method="POST",
        subpath="",
        url=f"http://testserver/hooks/{info.id}",
        headers={"x-omniline-signature": sign_body(info.secret, raw)},
        query={},
        body=raw,
    )
    return SocialChannelAdapter().parse_hook(info, request, container.adapter_context).messages


def test_a_public_weibo_post(social: SocialWorld, container: Container) -> None:
    assert parse(social, container, "weibo_public_post.json") == [
        InboundMessage(
            channel_id=uuid.UUID(social.channel["id"]),
            external_id="weibo:4990123456789012",
            identities=(IdentityClaim("social", "weibo:xiaowang_shopping", verified=True),),
            text="@演示商店 快递已经五天了还没到，客服电话也一直打不通！太失望了。#网购#",
            sent_at=datetime(2026, 11, 23, 18, 30, tzinfo=timezone(timedelta(hours=8))),
            sender_name="小王爱购物",
            thread_key="N8xAbCdEf",
            meta={
                "network": "weibo",
                "post_id": "N8xAbCdEf",
                "url": "https://weibo.com/6012345678/N8xAbCdEf",
                "public": True,
            },
        )
    ]


def test_a_vk_comment_by_an_author_without_a_handle(social: SocialWorld, container: Container) -> None:
    assert parse(social, container, "vk_comment.json") == [
        InboundMessage(
            channel_id=uuid.UUID(social.channel["id"]),
            external_id="vk:wall_reply-1000_2001_3005",
            identities=(IdentityClaim("social", "vk:715000", verified=True),),
            text="Подскажите, когда снова будет в наличии чайник из вашей рекламы?",
            sent_at=datetime(2026, 11, 23, 12, 15, tzinfo=timezone(timedelta(hours=3))),
            sender_name="Мария Кузнецова",
            thread_key="wall-1000_2001",
            meta={
                "network": "vk",
                "post_id": "wall-1000_2001?reply=3005",
                "url": "https://vk.com/wall-1000_2001?reply=3005",
                "public": True,
            },
        )
    ]


def test_a_post_and_its_comments_are_one_conversation_on_the_authors_timeline(social: SocialWorld) -> None:
    # when a public post and a comment under it arrive
    for name in ("weibo_public_post.json", "weibo_comment.json"):
        assert social.post_event(fixture(name)).status_code == 202

    # then both are on the author's timeline, in one conversation and one case, marked public
    customer = social.customer("social:weibo:xiaowang_shopping")
    assert customer is not None and customer["name"] == "小王爱购物"
    comment, post = social.messages(customer["id"])
    assert (post["text"], comment["text"]) == (
        "@演示商店 快递已经五天了还没到，客服电话也一直打不通！太失望了。#网购#",
        "补充一下：订单号 88231，有人管吗？",
    )
    assert post["conversation_id"] == comment["conversation_id"]
    assert post["case_id"] == comment["case_id"]
    assert (post["meta"]["public"], comment["meta"]["public"]) == (True, True)
    assert post["sender"] == {"identity": "social:weibo:xiaowang_shopping", "name": "小王爱购物"}


def test_a_private_message_is_marked_not_public(social: SocialWorld) -> None:
    assert social.post_event(fixture("facebook_private_message.json")).status_code == 202

    customer = social.customer("social:facebook:john.smith.1987")
    assert customer is not None
    (message,) = social.messages(customer["id"])
    assert message["meta"] == {
        "network": "facebook",
        "post_id": "m_AbC123xyz",
        "url": "https://www.facebook.com/messages/t/john.smith.1987",
        "public": False,
    }


def test_a_redelivered_event_is_stored_once(social: SocialWorld, container: Container) -> None:
    first = social.post_event(fixture("weibo_public_post.json"))
    before = row_counts(container)

    again = social.post_event(fixture("weibo_public_post.json"))

    assert again.status_code == 202
    assert again.json() == first.json()
    assert row_counts(container) == before


@pytest.mark.parametrize("how", ["another secret", "no signature", "tampered body", "not ascii"])
def test_a_wrong_signature_is_a_401_and_stores_nothing(
    social: SocialWorld, container: Container, how: str
) -> None:
    raw = json.dumps(fixture("weibo_public_post.json"), ensure_ascii=False).encode()
    before = row_counts(container)

    if how == "another secret":
        response = social.post_raw(raw, secret="someone-elses-secret")
    elif how == "no signature":
        response = social.post_raw(raw, signature="")
    elif how == "tampered body":
        response = social.post_raw(
            raw.replace("五天".encode(), "六天".encode()), signature=sign_body(social.channel["secret"], raw)
        )
    else:
        response = social.post_raw(raw, signature=("sha256=" + "é" * 64).encode())

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "bad_signature"
    assert row_counts(container) == before


@pytest.mark.parametrize("raw", [b"{not json", '{"network": "weibo", "text": "快递'.encode(), b""])
def test_a_malformed_body_is_a_400_and_stores_nothing(
    social: SocialWorld, container: Container, raw: bytes
) -> None:
    before = row_counts(container)

    response = social.post_raw(raw)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "malformed_json"
    assert row_counts(container) == before


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"likes": 5}, "likes: Extra inputs are not permitted"),
        ({"author": {"name": "小王"}}, "author: Value error, an author needs a handle or an id"),
        ({"author": {"handle": "x", "avatar": "a.png"}}, "author.avatar: Extra inputs are not permitted"),
        ({"network": "Weibo!"}, "network: String should match pattern"),
        ({"posted_at": "2026-11-23T18:30:00"}, "posted_at: Input should have timezone info"),
        ({"url": "javascript:alert(1)"}, "url: Value error, must be an http:// or https:// URL"),
        ({"public": "maybe"}, "public: Input should be a valid boolean"),
    ],
)
def test_an_invalid_event_is_a_422_naming_the_problem_and_stores_nothing(
    social: SocialWorld, container: Container, change: dict[str, object], problem: str
) -> None:
    before = row_counts(container)

    response = social.post_event(fixture("weibo_public_post.json") | change)

    assert response.status_code == 422
    assert problem in response.json()["error"]["message"]
    assert row_counts(container) == before

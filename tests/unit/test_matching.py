"""Matching: which customer a message belongs to, what to link, whom to merge."""

import uuid
from datetime import UTC, datetime

import pytest

from omniline.customers.identities import IdentityClaim
from omniline.customers.matching import KnownIdentity, MatchPlan, plan_match

ANNA = uuid.UUID("00000000-0000-7000-8000-00000000000a")
BORIS = uuid.UUID("00000000-0000-7000-8000-00000000000b")
CHEN = uuid.UUID("00000000-0000-7000-8000-00000000000c")

JAN = datetime(2024, 1, 10, 9, 0, tzinfo=UTC)
MAR = datetime(2024, 3, 5, 9, 0, tzinfo=UTC)
JUN = datetime(2024, 6, 1, 9, 0, tzinfo=UTC)

MAIL = IdentityClaim("email", "анна@xn--80a1acny.xn--p1ai")
PHONE = IdentityClaim("phone", "+79161234567")
APP = IdentityClaim("app", "user-42")
WECHAT = IdentityClaim("wechat", "wxid_陈")


def known(claim: IdentityClaim, customer_id: uuid.UUID, created_at: datetime) -> KnownIdentity:
    return KnownIdentity(claim_key=claim.key, customer_id=customer_id, customer_created_at=created_at)


def test_empty_claims_are_refused() -> None:
    with pytest.raises(ValueError):
        plan_match([], [])


def test_unknown_primary_creates_a_new_customer_and_links_all_trusted_claims() -> None:
    # Given nobody known, when a message arrives with a primary and a verified extra identity
    plan = plan_match([MAIL, PHONE], [])

    # then a new customer is created with both identities
    assert plan == MatchPlan(customer_id=None, link=(MAIL, PHONE), merge=(), ignored=())


def test_unknown_primary_alone_creates_a_new_customer() -> None:
    assert plan_match([WECHAT], []) == MatchPlan(customer_id=None, link=(WECHAT,))


def test_known_primary_finds_its_customer_and_links_nothing_new() -> None:
    plan = plan_match([MAIL], [known(MAIL, ANNA, JAN)])

    assert plan == MatchPlan(customer_id=ANNA, link=(), merge=(), ignored=())


def test_known_primary_links_a_new_verified_identity() -> None:
    plan = plan_match([MAIL, PHONE], [known(MAIL, ANNA, JAN)])

    assert plan == MatchPlan(customer_id=ANNA, link=(PHONE,))


def test_unknown_primary_joins_the_owner_of_a_verified_extra_identity() -> None:
    # Given the phone is Anna's, when a new mail address arrives with that verified phone
    plan = plan_match([MAIL, PHONE], [known(PHONE, ANNA, JAN)])

    # then it is Anna, and the mail address is linked to her
    assert plan == MatchPlan(customer_id=ANNA, link=(MAIL,))


def test_the_primary_is_trusted_even_when_marked_unverified() -> None:
    primary = IdentityClaim("webchat", "visitor-1", verified=False)

    plan = plan_match([primary], [])

    assert plan == MatchPlan(customer_id=None, link=(primary,))


def test_verified_identity_of_another_older_customer_merges_into_the_older() -> None:
    # Given the mail is Boris's (newer) and the phone is Anna's (older)
    known_identities = [known(MAIL, BORIS, MAR), known(PHONE, ANNA, JAN)]

    # when a message from the mail carries the verified phone
    plan = plan_match([MAIL, PHONE], known_identities)

    # then Boris is merged into Anna, who survives
    assert plan == MatchPlan(customer_id=ANNA, link=(), merge=(BORIS,))


def test_primary_owner_survives_when_it_is_the_older() -> None:
    known_identities = [known(MAIL, ANNA, JAN), known(PHONE, BORIS, MAR)]

    plan = plan_match([MAIL, PHONE], known_identities)

    assert plan == MatchPlan(customer_id=ANNA, link=(), merge=(BORIS,))


def test_three_customers_merge_into_the_oldest_in_age_order() -> None:
    known_identities = [known(MAIL, CHEN, JUN), known(PHONE, BORIS, MAR), known(APP, ANNA, JAN)]

    plan = plan_match([MAIL, PHONE, APP, WECHAT], known_identities)

    assert plan == MatchPlan(customer_id=ANNA, link=(WECHAT,), merge=(BORIS, CHEN))


def test_equal_creation_times_break_ties_by_id() -> None:
    plan = plan_match([MAIL, PHONE], [known(MAIL, BORIS, JAN), known(PHONE, ANNA, JAN)])

    assert plan == MatchPlan(customer_id=ANNA, merge=(BORIS,))


def test_two_identities_of_the_same_customer_do_not_merge_it_with_itself() -> None:
    plan = plan_match([MAIL, PHONE], [known(MAIL, ANNA, JAN), known(PHONE, ANNA, JAN)])

    assert plan == MatchPlan(customer_id=ANNA)


def test_unverified_extra_claim_is_never_linked() -> None:
    unverified_phone = IdentityClaim("phone", "+8613800138000", verified=False)

    plan = plan_match([MAIL, unverified_phone], [])

    assert plan == MatchPlan(customer_id=None, link=(MAIL,), ignored=(unverified_phone,))


def test_unverified_claim_owned_by_another_customer_never_merges() -> None:
    # Given the phone belongs to Anna, when Boris's mail claims it without verification
    unverified_phone = IdentityClaim("phone", PHONE.address, verified=False)
    known_identities = [known(MAIL, BORIS, MAR), known(PHONE, ANNA, JAN)]

    plan = plan_match([MAIL, unverified_phone], known_identities)

    # then it stays Boris, nothing is merged, and the claim is ignored
    assert plan == MatchPlan(customer_id=BORIS, link=(), merge=(), ignored=(unverified_phone,))


def test_unverified_claim_does_not_pick_the_customer_for_an_unknown_primary() -> None:
    unverified_phone = IdentityClaim("phone", PHONE.address, verified=False)

    plan = plan_match([MAIL, unverified_phone], [known(PHONE, ANNA, JAN)])

    assert plan == MatchPlan(customer_id=None, link=(MAIL,), ignored=(unverified_phone,))


def test_mixed_verified_and_unverified_claims() -> None:
    unverified_app = IdentityClaim("app", "user-99", verified=False)

    plan = plan_match([MAIL, unverified_app, PHONE], [known(MAIL, ANNA, JAN)])

    assert plan == MatchPlan(customer_id=ANNA, link=(PHONE,), ignored=(unverified_app,))


def test_duplicate_claims_are_linked_once() -> None:
    plan = plan_match([MAIL, PHONE, MAIL, IdentityClaim("phone", "+79161234567")], [])

    assert plan == MatchPlan(customer_id=None, link=(MAIL, PHONE))


def test_duplicate_of_a_known_claim_is_not_linked_and_does_not_merge() -> None:
    plan = plan_match([MAIL, MAIL], [known(MAIL, ANNA, JAN)])

    assert plan == MatchPlan(customer_id=ANNA)

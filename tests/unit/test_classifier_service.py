"""classify_text on a real database: rules, a stored model, the threshold; examples and training."""

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from omniline.accounts.service import create_tenant
from omniline.bootstrap import Container
from omniline.kernel.errors import InvalidInput, NotFound
from omniline.kernel.ids import new_id
from omniline.security.models import AuditEntry
from omniline.taxonomy.classifier import Classification, classify_text, clear_classifier_caches
from omniline.taxonomy.dataset import generate_examples
from omniline.taxonomy.examples import record_example
from omniline.taxonomy.model import NotEnoughExamples
from omniline.taxonomy.models import ClassifierModel, Topic, TopicExample
from omniline.taxonomy.training import train_tenant_model
from tests.support import row_counts

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
TRAINED = ("orders.status", "billing.double_charge", "account.password")
RULES = {
    "orders.status": {"keywords": {"ru": ["заказ"], "zh": ["订单"]}, "patterns": [r"где\s+мой\s+заказ"]},
    "billing.double_charge": {"keywords": {"en": ["charged twice"], "ru": ["дважды", "списали"]}},
    "account.password": {"keywords": {"en": ["password"], "zh": ["密码"]}},
    "general.opening_hours": {"keywords": {"en": ["opening hours"]}},
}


@pytest.fixture(autouse=True)
def fresh_caches() -> Iterator[None]:
    clear_classifier_caches()
    yield
    clear_classifier_caches()


@pytest.fixture
def tenant(container: Container) -> uuid.UUID:
    """A tenant with four topics (the last one inactive) and their rules."""
    with container.uow() as uow:
        owner = create_tenant(uow.session, slug=f"t{uuid.uuid4().hex[:8]}", name="Shop")
        uow.session.flush()
        for position, (code, rules) in enumerate(RULES.items()):
            uow.session.add(
                Topic(
                    id=new_id(),
                    tenant_id=owner.id,
                    code=code,
                    name=code,
                    rules=rules,
                    position=position,
                    is_active=code != "general.opening_hours",
                )
            )
        uow.commit()
        return owner.id


def topic_ids(session: Session, tenant_id: uuid.UUID) -> dict[str, uuid.UUID]:
    rows = session.execute(select(Topic.code, Topic.id).where(Topic.tenant_id == tenant_id)).all()
    return {code: topic_id for code, topic_id in rows}


def add_generated_examples(container: Container, tenant_id: uuid.UUID, per_topic: int = 8) -> None:
    with container.uow() as uow:
        ids = topic_ids(uow.session, tenant_id)
        for item in generate_examples(per_topic, seed=5):
            if item.topic_code in TRAINED:
                record_example(
                    uow.session,
                    tenant_id=tenant_id,
                    topic_id=ids[item.topic_code],
                    case_id=None,
                    text=item.text,
                    language=item.language,
                    source="imported",
                    actor="cli",
                    now=NOW,
                )
        uow.commit()


def classify(container: Container, tenant_id: uuid.UUID, text: str, minimum: float = 0.5) -> Classification:
    with container.uow() as uow:
        return classify_text(uow.session, tenant_id, text, language=None, min_confidence=minimum)


def test_a_confident_rule_wins_without_a_model(container: Container, tenant: uuid.UUID) -> None:
    # given only rules; when a Russian message matches the pattern and a keyword of one topic
    result = classify(container, tenant, "Где мой заказ 12345??")
    # then the rules decide: margin 3 → 1 - 0.5**3
    assert result == Classification("orders.status", 0.875, "rules", (("orders.status", 0.875),))


def test_one_keyword_alone_is_half_sure(container: Container, tenant: uuid.UUID) -> None:
    assert classify(container, tenant, "我忘记密码了") == Classification(
        "account.password", 0.5, "rules", (("account.password", 0.5),)
    )
    assert classify(container, tenant, "我忘记密码了", minimum=0.6) == Classification(
        None, 0.5, "none", (("account.password", 0.5),)
    )


def test_inactive_topics_and_unknown_text_give_no_topic(container: Container, tenant: uuid.UUID) -> None:
    assert classify(container, tenant, "What are your opening hours?") == Classification(
        None, 0.0, "none", ()
    )


def test_a_stored_model_classifies_what_the_rules_miss(container: Container, tenant: uuid.UUID) -> None:
    # given examples and a trained model
    add_generated_examples(container, tenant)
    with container.uow() as uow:
        stored = train_tenant_model(uow.session, tenant, now=NOW, holdout=0.25, actor="cli")
        uow.commit()
    # when a text no rule matches arrives
    result = classify(container, tenant, "не могу войти, забыла пароль от аккаунта")
    # then the model answers with its probability, best first
    assert result.topic_code == "account.password"
    assert result.source == "model"
    assert result.confidence == result.candidates[0][1] >= 0.5
    assert [code for code, _ in result.candidates] == [
        "account.password",
        *sorted(set(TRAINED) - {"account.password"}, key=lambda code: -dict(result.candidates)[code]),
    ]
    # and a threshold above its confidence leaves the topic to the agent
    unsure = classify(container, tenant, "не могу войти, забыла пароль от аккаунта", minimum=0.9999)
    assert (unsure.topic_code, unsure.source, unsure.candidates) == (None, "none", result.candidates)
    assert stored.topic_codes == sorted(TRAINED)


def test_training_stores_held_out_metrics_and_an_audit_row(container: Container, tenant: uuid.UUID) -> None:
    add_generated_examples(container, tenant)
    with container.uow() as uow:
        model_id = train_tenant_model(uow.session, tenant, now=NOW, holdout=0.25, actor="cli").id
        uow.commit()
    with container.uow() as uow:
        stored = uow.session.get_one(ClassifierModel, model_id)
        metrics = stored.metrics
        audit = uow.session.scalars(select(AuditEntry).where(AuditEntry.action == "classifier.trained")).one()
        assert stored.samples == 72  # 8 per topic and language, 3 topics, 3 languages
        assert metrics["train_samples"] == 54 and metrics["test_samples"] == 18
        assert metrics["samples_per_topic"] == {code: 24 for code in sorted(TRAINED)}
        assert metrics["skipped_topics"] == {}
        assert sorted(metrics["per_topic"]) == sorted(TRAINED)
        assert {score["support"] for score in metrics["per_topic"].values()} == {6}
        assert 0.0 <= metrics["macro_f1"] <= 1.0
        assert metrics["macro_f1"] == pytest.approx(
            round(sum(score["f1"] for score in metrics["per_topic"].values()) / 3, 4)
        )
        assert (audit.actor, audit.subject_id, audit.data["samples"]) == ("cli", model_id, 72)


def test_training_with_too_few_examples_stores_nothing(container: Container, tenant: uuid.UUID) -> None:
    with container.uow() as uow:
        ids = topic_ids(uow.session, tenant)
        for text in ("где мой заказ", "заказ не пришел", "статус заказа 5"):
            record_example(
                uow.session, tenant_id=tenant, topic_id=ids["orders.status"], case_id=None, text=text,
                language=None, source="confirmed", actor="user:x", now=NOW,
            )  # fmt: skip
        uow.commit()
    before = row_counts(container)
    with container.uow() as uow, pytest.raises(NotEnoughExamples, match="3 examples of 1 topics"):
        train_tenant_model(uow.session, tenant, now=NOW)
    assert row_counts(container) == before


def test_record_example_copies_the_text_and_detects_the_language(
    container: Container, tenant: uuid.UUID
) -> None:
    with container.uow() as uow:
        ids = topic_ids(uow.session, tenant)
        example = record_example(
            uow.session, tenant_id=tenant, topic_id=ids["orders.status"], case_id=None,
            text="  我的快递怎么还没到  ", language=None, source="corrected", actor="user:1", now=NOW,
        )  # fmt: skip
        uow.commit()
        assert (example.text, example.language, example.source) == ("我的快递怎么还没到", "zh", "corrected")
        assert (
            uow.session.scalar(select(func.count()).where(AuditEntry.action == "topic_example.recorded")) == 1
        )


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"source": "guessed"}, InvalidInput),
        ({"text": "   "}, InvalidInput),
        ({"topic_id": uuid.UUID(int=1)}, NotFound),
    ],
)
def test_record_example_refuses_bad_input(
    container: Container, tenant: uuid.UUID, changes: dict[str, object], error: type[Exception]
) -> None:
    before = row_counts(container)
    with container.uow() as uow:
        arguments: dict[str, object] = {
            "tenant_id": tenant, "topic_id": topic_ids(uow.session, tenant)["orders.status"],
            "case_id": None, "text": "где заказ", "language": "ru", "source": "confirmed",
            "actor": "user:1", "now": NOW, **changes,
        }  # fmt: skip
        with pytest.raises(error):
            record_example(uow.session, **arguments)  # type: ignore[arg-type]
    assert row_counts(container) == before
    with container.uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(TopicExample)) == 0

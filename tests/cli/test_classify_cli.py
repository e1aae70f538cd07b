"""`omniline classify`: evaluate on the generated set, train a tenant's model, refuse too few examples."""

import re
import uuid
from datetime import UTC, datetime

import pytest
from typer.testing import CliRunner

from omniline.accounts.service import create_tenant
from omniline.bootstrap import Container
from omniline.cli.main import app
from omniline.kernel.ids import new_id
from omniline.settings import Settings
from omniline.taxonomy.dataset import TOPIC_CODES, generate_examples
from omniline.taxonomy.models import Topic, TopicExample
from tests.conftest import TEST_SECRET_KEY
from tests.support import row_counts

runner = CliRunner()
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


@pytest.fixture
def env(settings: Settings, container: Container) -> dict[str, str]:
    return {
        "OMNILINE_DATABASE_URL": settings.database_url,
        "OMNILINE_ENVIRONMENT": "test",
        "OMNILINE_SECRET_KEY": TEST_SECRET_KEY,
    }


def make_tenant(container: Container, examples: list[tuple[str, str]]) -> str:
    """A tenant with topics for the codes used and the given (code, text) examples; returns the slug."""
    slug = f"t{uuid.uuid4().hex[:8]}"
    with container.uow() as uow:
        owner = create_tenant(uow.session, slug=slug, name="Shop")
        uow.session.flush()
        ids: dict[str, uuid.UUID] = {}
        for code, text in examples:
            if code not in ids:
                ids[code] = new_id()
                uow.session.add(Topic(id=ids[code], tenant_id=owner.id, code=code, name=code))
                uow.session.flush()
            uow.session.add(
                TopicExample(
                    id=new_id(), tenant_id=owner.id, topic_id=ids[code], text=text, language=None,
                    source="imported", actor="test", created_at=NOW,
                )
            )  # fmt: skip
        uow.commit()
    return slug


def macro_f1(output: str) -> float:
    found = re.search(r"^macro F1(?: \(held out \d+%\))?: (\d\.\d{3})$", output, re.MULTILINE)
    assert found, output
    return float(found.group(1))


def generated_figures(output: str) -> dict[str, tuple[float, float]]:
    """{"rules + model" | "model alone" | "rules alone": (macro F1, abstained %)} from the output."""
    line = r"^macro F1, (rules \+ model|model alone|rules alone): +(\d\.\d{3})  \(abstained (\d+\.\d)%\)$"
    found = re.findall(line, output, re.MULTILINE)
    return {label: (float(f1), float(abstained)) for label, f1, abstained in found}


def test_evaluate_generated_prints_the_split_the_table_and_three_figures() -> None:
    # when evaluated on a small generated set (13 texts per group: its first 13 templates, once each)
    result = runner.invoke(app, ["classify", "evaluate", "--generated", "--per-topic", "13"])
    # then the split is said first: whole templates held out, a quarter per topic and language
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("synthetic set: 13 texts per topic and language from 780 templates (seed 7); ")
    assert (
        "held out 180 whole templates (~25% per topic and language): trained on 600, tested on 180"
        in lines[0]
    )
    # and the per-topic table of rules and model combined, one line per topic, 3 templates × 3 languages
    assert lines[1] == "rules + model, as live messages are classified:"
    assert lines[2].split() == ["topic", "precision", "recall", "f1", "support"]
    assert [line.split()[0] for line in lines[3:23]] == sorted(TOPIC_CODES)
    assert {line.split()[4] for line in lines[3:23]} == {"9"}
    # and the three macro F1 lines, what runs and each part alone, each with its abstentions
    figures = generated_figures(result.output)
    assert list(figures) == ["rules + model", "model alone", "rules alone"]
    assert all(0.0 <= f1 <= 1.0 and 0.0 <= abstained <= 100.0 for f1, abstained in figures.values())
    assert figures["rules + model"][1] < figures["rules alone"][1]


def test_evaluate_generated_seed_changes_the_split() -> None:
    results = [
        runner.invoke(app, ["classify", "evaluate", "--generated", "--per-topic", "13", "--seed", seed])
        for seed in ("1", "2")
    ]
    assert [result.exit_code for result in results] == [0, 0]
    # another seed holds out other templates (and fills them otherwise), so the figures differ
    assert results[0].output != results[1].output


def test_evaluate_refuses_a_bad_holdout() -> None:
    result = runner.invoke(
        app, ["classify", "evaluate", "--generated", "--per-topic", "13", "--holdout", "1.5"]
    )
    assert result.exit_code == 2
    assert "holdout must be between 0 and 1" in result.output


def test_train_stores_a_model_and_prints_its_score(env: dict[str, str], container: Container) -> None:
    # given a tenant with generated examples of three topics in three languages
    wanted = ("orders.status", "account.password", "billing.invoice")
    slug = make_tenant(
        container,
        [(item.topic_code, item.text) for item in generate_examples(6) if item.topic_code in wanted],
    )
    # when it is trained
    result = runner.invoke(app, ["classify", "train", "--tenant", slug], env=env)
    # then the model is stored and the figures are printed
    assert result.exit_code == 0, result.output
    assert "trained on 54 examples of 3 topics" in result.output
    assert 0.0 <= macro_f1(result.output) <= 1.0
    assert row_counts(container)["classifier_models"] == 1
    evaluated = runner.invoke(app, ["classify", "evaluate", "--tenant", slug], env=env)
    assert evaluated.exit_code == 0, evaluated.output
    assert [line.split()[0] for line in evaluated.output.splitlines()[1:4]] == sorted(wanted)


def test_train_with_too_few_examples_says_so_and_stores_nothing(
    env: dict[str, str], container: Container
) -> None:
    slug = make_tenant(
        container,
        [
            ("orders.status", "где мой заказ"),
            ("orders.status", "我的订单呢"),
            ("account.password", "забыл пароль"),
        ],
    )
    before = row_counts(container)
    result = runner.invoke(app, ["classify", "train", "--tenant", slug], env=env)
    assert result.exit_code == 2
    assert "too few examples to train a topic model: 0 examples of 0 topics" in result.output
    assert "fewer than 3 examples are left out: account.password (1), orders.status (2)" in result.output
    assert row_counts(container) == before

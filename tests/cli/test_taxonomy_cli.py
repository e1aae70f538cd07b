"""`omniline taxonomy import|export`: files in, files out, and a bad file refused with one clear message."""

from pathlib import Path

import pytest
import yaml
from sqlalchemy import select
from typer.testing import CliRunner

from omniline.bootstrap import Container
from omniline.cli.main import app
from omniline.settings import Settings
from omniline.taxonomy.models import Topic
from omniline.taxonomy.service import DEMO_TAXONOMY_PATH
from tests.conftest import TEST_SECRET_KEY
from tests.support import row_counts

runner = CliRunner()

SMALL_YAML = """\
version: 1
topics:
  - code: delivery
    names: {en: Delivery, ru: Доставка, zh: 配送}
    risk: medium
    skills: [delivery]
    children:
      - code: delivery.delay
        names: {en: Late delivery, ru: Задержка доставки, zh: 配送延误}
        keywords: {ru: [курьер не приехал, задержка доставки], zh: [快递延误, 还没送到]}
"""


@pytest.fixture
def env(settings: Settings, container: Container) -> dict[str, str]:
    environment = {
        "OMNILINE_DATABASE_URL": settings.database_url,
        "OMNILINE_ENVIRONMENT": "test",
        "OMNILINE_SECRET_KEY": TEST_SECRET_KEY,
    }
    created = runner.invoke(app, ["tenant", "create", "--slug", "acme", "--name", "ACME"], env=environment)
    assert created.exit_code == 0, created.output
    return environment


def active_codes(container: Container) -> list[str]:
    with container.engine.connect() as connection:
        query = select(Topic.code).where(Topic.is_active.is_(True)).order_by(Topic.code)
        return list(connection.scalars(query))


def test_help_lists_the_taxonomy_commands() -> None:
    result = runner.invoke(app, ["taxonomy", "--help"])

    assert result.exit_code == 0
    assert "import" in result.output and "export" in result.output


def test_import_the_demo_file_then_export_it_and_import_that_again(
    env: dict[str, str], container: Container, tmp_path: Path
) -> None:
    # when
    first = runner.invoke(app, ["taxonomy", "import", str(DEMO_TAXONOMY_PATH)], env=env)
    exported = runner.invoke(app, ["taxonomy", "export"], env=env)
    output = tmp_path / "taxonomy.yaml"
    to_file = runner.invoke(app, ["taxonomy", "export", "--tenant", "acme", "--output", str(output)], env=env)
    again = runner.invoke(app, ["taxonomy", "import", str(output), "--tenant", "acme"], env=env)

    # then
    assert first.exit_code == 0, first.output
    assert first.output == "taxonomy imported into acme: 28 created, 0 updated, 0 deactivated\n"
    assert len(active_codes(container)) == 28
    assert exported.exit_code == 0, exported.output
    document = yaml.safe_load(exported.output)
    assert [topic["code"] for topic in document["topics"]] == [
        "orders",
        "delivery",
        "returns",
        "billing",
        "complaints",
        "account",
        "technical",
        "general",
    ]
    assert document["topics"][3]["names"] == {
        "en": "Billing and charges",
        "ru": "Оплата и списания",
        "zh": "账单与扣费",
    }
    assert "重复扣款" in exported.output  # readable Unicode, not \\u escapes
    assert to_file.exit_code == 0, to_file.output
    assert yaml.safe_load(output.read_text(encoding="utf-8")) == document
    assert again.exit_code == 0, again.output
    assert again.output == "taxonomy imported into acme: 0 created, 0 updated, 0 deactivated\n"


def test_replace_deactivates_topics_the_file_leaves_out(
    env: dict[str, str], container: Container, tmp_path: Path
) -> None:
    # given the demo taxonomy
    runner.invoke(app, ["taxonomy", "import", str(DEMO_TAXONOMY_PATH)], env=env)
    small = tmp_path / "delivery.yaml"
    small.write_text(SMALL_YAML, encoding="utf-8")

    # when
    result = runner.invoke(app, ["taxonomy", "import", str(small), "--replace"], env=env)

    # then: the two named topics change (the file sets less than the demo did), the other 26 go
    assert result.exit_code == 0, result.output
    assert result.output == "taxonomy imported into acme: 0 created, 2 updated, 26 deactivated\n"
    assert active_codes(container) == ["delivery", "delivery.delay"]


@pytest.mark.parametrize(
    ("content", "messages"),
    [
        (None, ["error: cannot read", "No such file or directory"]),
        ("version: 1\ntopics: [\n", ["is not valid YAML at line 3, column 1"]),
        (
            SMALL_YAML.replace("risk: medium", "risk: extreme").replace(
                "code: delivery.delay", "code: orders.delay"
            ),
            [
                "the taxonomy has 2 problem(s):",
                "  - topic 'orders.delay': code: a child of 'delivery' must be 'delivery.<segment>'",
                "  - topic 'delivery': risk: Input should be 'low', 'medium' or 'high'",
            ],
        ),
    ],
)
def test_a_bad_file_gets_a_clear_message_exit_1_and_changes_nothing(
    env: dict[str, str], container: Container, tmp_path: Path, content: str | None, messages: list[str]
) -> None:
    # given
    path = tmp_path / "taxonomy.yaml"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    before = row_counts(container)

    # when
    result = runner.invoke(app, ["taxonomy", "import", str(path)], env=env)

    # then
    assert result.exit_code == 1
    for message in messages:
        assert message in result.output
    assert "Traceback" not in result.output
    assert row_counts(container) == before


def test_an_unknown_tenant_is_refused_like_every_command_does(
    env: dict[str, str], container: Container, tmp_path: Path
) -> None:
    path = tmp_path / "taxonomy.yaml"
    path.write_text(SMALL_YAML, encoding="utf-8")
    before = row_counts(container)

    imported = runner.invoke(app, ["taxonomy", "import", str(path), "--tenant", "nope"], env=env)
    exported = runner.invoke(app, ["taxonomy", "export", "--tenant", "nope"], env=env)

    assert (imported.exit_code, exported.exit_code) == (2, 2)
    assert "no tenant 'nope'" in imported.output and "no tenant 'nope'" in exported.output
    assert row_counts(container) == before

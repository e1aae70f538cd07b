"""`omniline routing export|import`: the policy as a file, and a bad file refused with its problems."""

from pathlib import Path

import pytest
import yaml
from sqlalchemy import select
from typer.testing import CliRunner

from omniline.bootstrap import Container
from omniline.cli.main import app
from omniline.routing.models import RoutingPolicy
from omniline.security.models import AuditEntry
from omniline.settings import Settings
from tests.conftest import TEST_SECRET_KEY
from tests.support import row_counts

runner = CliRunner()

POLICY_YAML = """\
# Политика маршрутизации / 路由策略
settings:
  default_queue: general
rules:
  - name: vip-клиенты
    when: {customer_tier: vip}
    then: {queue: priority, priority: 10}
  - name: 投诉
    when: {topic_tags: [complaint]}
    then: {queue: complaints}
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


def test_help_lists_the_routing_commands() -> None:
    result = runner.invoke(app, ["routing", "--help"])

    assert result.exit_code == 0
    assert "export" in result.output and "import" in result.output


def test_export_prints_the_default_policy_as_yaml(env: dict[str, str]) -> None:
    result = runner.invoke(app, ["routing", "export"], env=env)

    assert result.exit_code == 0, result.output
    assert result.output.startswith("# Routing policy of acme, version 0.\n")
    document = yaml.safe_load(result.output)
    assert document["version"] == 0
    assert document["settings"]["default_queue"] == "general"
    assert "simple-low-risk-self-service" in [rule["name"] for rule in document["rules"]]


def test_import_then_export_round_trips(env: dict[str, str], container: Container, tmp_path: Path) -> None:
    source = tmp_path / "policy.yaml"
    source.write_text(POLICY_YAML, encoding="utf-8")

    imported = runner.invoke(app, ["routing", "import", str(source), "--tenant", "acme"], env=env)
    exported_file = tmp_path / "exported.yaml"
    exported = runner.invoke(
        app, ["routing", "export", "--tenant", "acme", "--output", str(exported_file)], env=env
    )

    assert imported.exit_code == 0, imported.output
    assert imported.output == "routing policy of acme is now version 1 (2 rules)\n"
    assert exported.exit_code == 0, exported.output
    assert exported.output == f"wrote version 1 (2 rules) to {exported_file}\n"
    document = yaml.safe_load(exported_file.read_text(encoding="utf-8"))
    assert document == {
        "version": 1,
        "settings": {"default_queue": "general", "repeat_contact": {"contacts": 2, "days": 7}},
        "rules": [
            {
                "name": "vip-клиенты",
                "when": {"customer_tier": ["vip"]},
                "then": {"queue": "priority", "priority": 10},
            },
            {"name": "投诉", "when": {"topic_tags": ["complaint"]}, "then": {"queue": "complaints"}},
        ],
    }
    assert "投诉" in exported_file.read_text(encoding="utf-8")

    again = runner.invoke(app, ["routing", "import", str(exported_file)], env=env)

    assert again.exit_code == 0, again.output
    with container.uow() as uow:
        row = uow.session.scalar(select(RoutingPolicy))
        assert row is not None
        assert (row.version, row.rules, row.updated_by) == (2, document["rules"], "cli")
        actions = uow.session.scalars(select(AuditEntry.action).where(AuditEntry.actor == "cli")).all()
        assert actions.count("routing_policy.updated") == 2


def test_import_reads_json_files_too(env: dict[str, str], tmp_path: Path) -> None:
    source = tmp_path / "policy.json"
    source.write_text('{"rules": [{"name": "все", "then": {"queue": "general"}}]}', encoding="utf-8")

    result = runner.invoke(app, ["routing", "import", str(source)], env=env)

    assert result.exit_code == 0, result.output
    assert result.output == "routing policy of acme is now version 1 (1 rule)\n"


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        (
            "bad-rules.yaml",
            "rules:\n  - name: vip\n    when: {tier: vip}\n    then: {queue: priority, bot: self_service}\n",
            [
                "is not a valid routing policy:",
                "  - rule 1 'vip': unknown condition 'tier' in when (did you mean customer_tier?)",
            ],
        ),
        ("broken.yaml", "rules: [unclosed\n", ["broken.yaml is not valid YAML:"]),
        ("broken.json", '{"rules": ', ["broken.json is not valid JSON:"]),
        ("list.yaml", "- a\n- b\n", ["it must be a mapping with 'rules' (and optionally 'settings')"]),
        ("missing.yaml", None, ["no such file:"]),
    ],
)
def test_a_bad_file_is_refused_with_its_problems_and_changes_nothing(
    env: dict[str, str],
    container: Container,
    tmp_path: Path,
    name: str,
    content: str | None,
    expected: list[str],
) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_text(content, encoding="utf-8")
    before = row_counts(container)

    result = runner.invoke(app, ["routing", "import", str(path)], env=env)

    assert result.exit_code == 1
    for line in expected:
        assert line in result.output
    assert "Traceback" not in result.output
    assert row_counts(container) == before


def test_an_unknown_tenant_is_refused(env: dict[str, str], container: Container, tmp_path: Path) -> None:
    source = tmp_path / "policy.yaml"
    source.write_text(POLICY_YAML, encoding="utf-8")
    before = row_counts(container)

    result = runner.invoke(app, ["routing", "import", str(source), "--tenant", "nope"], env=env)

    assert result.exit_code == 2
    assert "no tenant 'nope'" in result.output
    assert row_counts(container) == before

"""`omniline routing export|import`: the tenant's routing policy as a YAML file to read, edit and load."""

import json
from pathlib import Path
from typing import Any, NoReturn

import typer
import yaml

from omniline.accounts.service import find_tenant
from omniline.cli.common import CLI_ACTOR, cli_container
from omniline.routing.policy_schema import PolicyError
from omniline.routing.policy_store import policy_document, save_policy

app = typer.Typer(
    help="Routing policy: which contacts go to the bot, to which queue, team or agent.", no_args_is_help=True
)

TENANT_HELP = "tenant slug; may be left out when there is one tenant"


@app.command("export")
def export(
    tenant: str | None = typer.Option(None, help=TENANT_HELP),
    output: Path | None = typer.Option(None, "--output", "-o", help="write to this file instead of printing"),
) -> None:
    """Print (or write) the policy in force as YAML: the default until one is imported."""
    with cli_container() as container, container.uow() as uow:
        owner = find_tenant(uow.session, tenant)
        slug = owner.slug
        document = policy_document(uow.session, owner.id)
    header = (
        f"# Routing policy of {slug}, version {document['version']}.\n"
        "# Rules are tried from the top; edit, then load with: omniline routing import FILE\n"
    )
    text = header + yaml.safe_dump(document, allow_unicode=True, sort_keys=False)
    if output is None:
        typer.echo(text, nl=False)
        return
    output.write_text(text, encoding="utf-8")
    typer.echo(f"wrote version {document['version']} ({_rules(len(document['rules']))}) to {output}")


@app.command("import")
def import_(
    file: Path = typer.Argument(..., help="a YAML (or JSON) policy file, as `routing export` writes it"),
    tenant: str | None = typer.Option(None, help=TENANT_HELP),
) -> None:
    """Replace the tenant's policy with FILE. Nothing changes when the file has a problem (exit code 1)."""
    document = _read(file)
    with cli_container() as container, container.uow() as uow:
        owner = find_tenant(uow.session, tenant)
        try:
            row = save_policy(uow.session, owner.id, document, actor=CLI_ACTOR, now=container.clock())
        except PolicyError as error:
            _fail(f"{file} is not a valid routing policy:", error.problems)
        slug, version, rules = owner.slug, row.version, len(row.rules)
        uow.commit()
    typer.echo(f"routing policy of {slug} is now version {version} ({_rules(rules)})")


def _rules(count: int) -> str:
    return f"{count} rule{'' if count == 1 else 's'}"


def _read(file: Path) -> dict[str, Any]:
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        _fail(f"no such file: {file}")
    except (OSError, UnicodeDecodeError) as error:
        _fail(f"cannot read {file}: {error}")
    as_json = file.suffix.lower() == ".json"
    try:
        document = json.loads(text) if as_json else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as error:
        _fail(f"{file} is not valid {'JSON' if as_json else 'YAML'}:", [str(error)])
    if not isinstance(document, dict):
        _fail(
            f"{file} is not a valid routing policy:",
            ["it must be a mapping with 'rules' (and optionally 'settings')"],
        )
    return document


def _fail(message: str, problems: list[str] | None = None) -> NoReturn:
    typer.secho(f"error: {message}", fg="red", err=True)
    for problem in problems or []:
        typer.secho(f"  - {problem}", fg="red", err=True)
    raise typer.Exit(1)

"""`omniline taxonomy import|export`: the topic tree as a YAML file people edit and review."""

from pathlib import Path
from typing import NoReturn

import typer

from omniline.accounts.service import find_tenant
from omniline.cli.common import CLI_ACTOR, cli_container
from omniline.kernel.errors import MalformedInput
from omniline.taxonomy.schemas import InvalidTaxonomy, dump_yaml, parse_taxonomy, parse_yaml
from omniline.taxonomy.service import export_taxonomy, import_taxonomy

app = typer.Typer(help="The problem taxonomy: topics, their risk, skills and SLA.", no_args_is_help=True)

TENANT_HELP = "tenant slug; may be left out when there is one tenant"


@app.command("import")
def import_(
    file: Path = typer.Argument(..., help="a taxonomy file (YAML or JSON, version 1)"),
    tenant: str | None = typer.Option(None, help=TENANT_HELP),
    replace: bool = typer.Option(False, "--replace", help="deactivate active topics the file leaves out"),
) -> None:
    """Create and update topics from FILE (by code); a bad file changes nothing and exits with 1."""
    try:
        document = parse_yaml(file.read_bytes())
        # Checked before the database is opened, so a bad file never needs a tenant or a connection.
        parse_taxonomy(document)
    except OSError as error:
        _fail(f"cannot read {file}: {error.strerror or error}")
    except MalformedInput as error:
        _fail(f"{file}: {error.message}")
    except InvalidTaxonomy as error:
        _fail(f"{file}: the taxonomy has {len(error.problems)} problem(s):", error.problems)
    with cli_container() as container, container.uow() as uow:
        owner = find_tenant(uow.session, tenant)
        slug = owner.slug
        counts = import_taxonomy(
            uow.session, owner.id, document, actor=CLI_ACTOR, now=container.clock(), replace=replace
        )
        uow.commit()
    typer.echo(
        f"taxonomy imported into {slug}: {counts['created']} created, {counts['updated']} updated, "
        f"{counts['deactivated']} deactivated"
    )


@app.command("export")
def export(
    tenant: str | None = typer.Option(None, help=TENANT_HELP),
    output: Path | None = typer.Option(None, "--output", "-o", help="write here instead of to stdout"),
) -> None:
    """Print the active topic tree as YAML (the format `taxonomy import` reads)."""
    with cli_container() as container, container.uow() as uow:
        document = export_taxonomy(uow.session, find_tenant(uow.session, tenant).id)
    text = dump_yaml(document)
    if output is None:
        typer.echo(text, nl=False)
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as error:
        _fail(f"cannot write {output}: {error.strerror or error}")
    typer.echo(f"wrote {len(document['topics'])} top-level topic(s) to {output}", err=True)


def _fail(message: str, problems: list[str] | None = None) -> NoReturn:
    typer.secho(f"error: {message}", fg="red", err=True)
    for problem in problems or []:
        typer.secho(f"  - {problem}", fg="red", err=True)
    raise typer.Exit(1)

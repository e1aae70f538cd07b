import typer

from omniline.cli.common import cli_container
from omniline.files.sweep import DEFAULT_GRACE_SECONDS, sweep_orphans

app = typer.Typer(help="The file store: attachments of messages.", no_args_is_help=True)


@app.command("sweep")
def sweep(
    older_than_hours: float = typer.Option(
        DEFAULT_GRACE_SECONDS / 3600, min=1.0, help="keep files younger than this, referred to or not"
    ),
    dry_run: bool = typer.Option(False, "--dry-run", help="list what would be removed, remove nothing"),
) -> None:
    """Remove stored files that no message refers to (left by transactions that failed)."""
    with cli_container() as container:
        result = sweep_orphans(container, grace_seconds=older_than_hours * 3600, dry_run=dry_run)
    verb = "would remove" if dry_run else "removed"
    for key in result.removed:
        typer.echo(f"{verb} {key}")
    typer.echo(f"{verb} {len(result.removed)} file(s), {result.freed_bytes} bytes; kept {result.kept}")

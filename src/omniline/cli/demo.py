import typer

from omniline.cli.common import cli_container
from omniline.demo.loader import load_demo

app = typer.Typer(help="The demo tenant.", no_args_is_help=True)


@app.command("load")
def load() -> None:
    """Load (or refresh) the demo tenant: an admin, a supervisor, two agents, an app channel, customers."""
    with cli_container() as container:
        summary = load_demo(container)
        base = container.settings.base_url
    typer.echo(f"demo tenant '{summary.tenant_slug}' ready ({summary.messages_new} new demo messages)")
    typer.echo(f"  app channel: {base}/hooks/{summary.channel_id}  secret: {summary.channel_secret}")
    for email, password, role in summary.logins:
        typer.echo(f"  {role:10} {email}  password: {password}")

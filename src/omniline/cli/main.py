"""`omniline --help` lists every command."""

import typer

from omniline.cli import channels, classify, db, demo, files, routing, taxonomy, telegram, users
from omniline.cli.serve import serve

app = typer.Typer(
    name="omniline",
    help="omniline: one customer, one timeline, every channel.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.command()(serve)
app.add_typer(db.app, name="db")
app.add_typer(demo.app, name="demo")
app.add_typer(users.tenant_app, name="tenant")
app.add_typer(users.user_app, name="user")
app.add_typer(users.token_app, name="token")
app.add_typer(channels.app, name="channel")
app.add_typer(telegram.app, name="telegram")
app.add_typer(taxonomy.app, name="taxonomy")
app.add_typer(routing.app, name="routing")
app.add_typer(classify.app, name="classify")
app.add_typer(files.app, name="files")

import json

import typer

from omniline.accounts.service import find_tenant
from omniline.channels.service import channel_view, create_channel, list_channels, reseal_channels
from omniline.cli.common import CLI_ACTOR, cli_container

app = typer.Typer(help="Channels: mailboxes, bots, app integrations, offices.", no_args_is_help=True)


@app.command("add")
def add(
    kind: str = typer.Option(..., help="email, webchat, sms, voice, telegram, wechat, social, api, walkin"),
    name: str = typer.Option(...),
    config: str = typer.Option(
        "{}", help='JSON, e.g. \'{"webhook_url": "https://app.example.com/omniline"}\''
    ),
    tenant: str | None = typer.Option(None, help="tenant slug; may be left out when there is one tenant"),
) -> None:
    """Create a channel and print its webhook URL and secret (shown this once)."""
    try:
        parsed = json.loads(config)
    except json.JSONDecodeError as error:
        typer.secho(f"error: --config is not valid JSON: {error}", fg="red", err=True)
        raise typer.Exit(2) from None
    if not isinstance(parsed, dict):
        typer.secho("error: --config must be a JSON object", fg="red", err=True)
        raise typer.Exit(2)
    with cli_container() as container, container.uow() as uow:
        owner = find_tenant(uow.session, tenant)
        channel = create_channel(
            uow.session,
            container.channels,
            tenant_id=owner.id,
            kind=kind,
            name=name,
            config=parsed,
            actor=CLI_ACTOR,
        )
        uow.commit()
        view = channel_view(channel, base_url=container.settings.base_url, with_secret=True)
    typer.echo(json.dumps(view, ensure_ascii=False, indent=2))


@app.command("list")
def list_(tenant: str | None = typer.Option(None)) -> None:
    """List the tenant's channels with their webhook URLs."""
    with cli_container() as container, container.uow() as uow:
        owner = find_tenant(uow.session, tenant)
        for channel in list_channels(uow.session, owner.id):
            view = channel_view(channel, base_url=container.settings.base_url)
            typer.echo(f"{view['id']}  {view['kind']:8}  {view['name']}  {view['webhook_url']}")


@app.command("reseal")
def reseal() -> None:
    """Seal every channel's provider credentials with the current OMNILINE_SECRET_KEY: after an
    upgrade from a version that stored them in clear, or after changing the key (keep the old one in
    OMNILINE_PREVIOUS_SECRET_KEYS until this has run)."""
    with cli_container() as container, container.uow() as uow:
        count = reseal_channels(uow.session)
        uow.commit()
    typer.echo(f"{count} channel(s) sealed with the current key")

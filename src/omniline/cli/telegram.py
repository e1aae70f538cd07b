"""`omniline telegram …`: register a bot's webhook with Telegram, remove it, make deep links."""

import uuid
from datetime import timedelta
from typing import NoReturn

import typer

from omniline.channels.telegram.client import BotApiError
from omniline.channels.telegram.webhook import (
    delete_webhook,
    load_telegram_channel,
    make_customer_deep_link,
    set_webhook,
)
from omniline.cli.common import cli_container
from omniline.kernel.errors import InvalidInput

app = typer.Typer(help="Telegram bots: the webhook and /start deep links.", no_args_is_help=True)

CHANNEL_OPTION = typer.Option(..., "--channel", help="the telegram channel's id")


@app.command("set-webhook")
def set_webhook_command(channel: str = CHANNEL_OPTION) -> None:
    """Tell Telegram to deliver the bot's updates to this channel's hook (OMNILINE_PUBLIC_URL based)."""
    with cli_container() as container:
        with container.uow() as uow:
            info = load_telegram_channel(uow.session, channel)
        if not container.settings.base_url.startswith("https://"):
            typer.secho(
                "warning: Telegram only calls https:// webhooks; set OMNILINE_PUBLIC_URL",
                fg="yellow",
                err=True,
            )
        try:
            url = set_webhook(container.http, info, base_url=container.settings.base_url)
        except BotApiError as error:
            _fail(error)
    typer.echo(f"webhook set: {url}")


@app.command("delete-webhook")
def delete_webhook_command(channel: str = CHANNEL_OPTION) -> None:
    """Tell Telegram to stop delivering the bot's updates here."""
    with cli_container() as container:
        with container.uow() as uow:
            info = load_telegram_channel(uow.session, channel)
        try:
            delete_webhook(container.http, info)
        except BotApiError as error:
            _fail(error)
    typer.echo("webhook deleted")


@app.command("deep-link")
def deep_link_command(
    channel: str = CHANNEL_OPTION,
    customer: str = typer.Option(..., help="the customer's id"),
    valid_days: int = typer.Option(7, min=1, max=365, help="how long the link works"),
    bot_username: str | None = typer.Option(None, help="the bot's @username (else asked of Telegram)"),
) -> None:
    """Print a t.me link that ties whoever opens it in Telegram to the customer."""
    with cli_container() as container, container.uow() as uow:
        info = load_telegram_channel(uow.session, channel)
        try:
            customer_id = uuid.UUID(customer)
        except ValueError:
            raise InvalidInput(f"{customer!r} is not a customer id") from None
        try:
            url = make_customer_deep_link(
                uow.session,
                container.http,
                info,
                customer_id,
                now=container.clock(),
                valid_for=timedelta(days=valid_days),
                bot_username=bot_username,
            )
        except BotApiError as error:
            _fail(error)
    typer.echo(url)


def _fail(error: BotApiError) -> NoReturn:
    typer.secho(f"error: Telegram refused: {error}", fg="red", err=True)
    raise typer.Exit(2)

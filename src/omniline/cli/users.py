import typer

from omniline.accounts.models import ROLES
from omniline.accounts.service import create_tenant, create_user, find_tenant, find_user
from omniline.cli.common import cli_container
from omniline.security.tokens import TokenClaims, issue_token

user_app = typer.Typer(help="People who use omniline: agents, supervisors, admins.", no_args_is_help=True)
token_app = typer.Typer(help="API access tokens.", no_args_is_help=True)
tenant_app = typer.Typer(help="Tenants (the brands this installation serves).", no_args_is_help=True)


@tenant_app.command("create")
def tenant_create(
    slug: str = typer.Option(..., help="short name, e.g. acme"),
    name: str = typer.Option(..., help="display name"),
    region: str = typer.Option("RU", help="default country for phone numbers without +code"),
) -> None:
    """Create a tenant."""
    with cli_container() as container, container.uow() as uow:
        tenant = create_tenant(uow.session, slug=slug, name=name, default_region=region)
        uow.commit()
        typer.echo(f"tenant {tenant.slug} created: {tenant.id}")


@user_app.command("create")
def user_create(
    email: str = typer.Option(...),
    password: str = typer.Option(..., help="at least 8 characters"),
    role: str = typer.Option("agent", help=f"one of {', '.join(ROLES)}"),
    name: str | None = typer.Option(None),
    tenant: str | None = typer.Option(None, help="tenant slug; may be left out when there is one tenant"),
) -> None:
    """Create a user who can log in and get API tokens."""
    with cli_container() as container, container.uow() as uow:
        owner = find_tenant(uow.session, tenant)
        user = create_user(
            uow.session, tenant_id=owner.id, email=email, password=password, role=role, name=name
        )
        uow.commit()
        typer.echo(f"user {user.email} ({user.role}) created in tenant {owner.slug}: {user.id}")


@token_app.command("create")
def token_create(
    email: str = typer.Option(...),
    hours: int = typer.Option(12, min=1, help="how long the token is valid"),
) -> None:
    """Print an API access token for a user (use as 'Authorization: Bearer …')."""
    from datetime import timedelta

    with cli_container() as container, container.uow() as uow:
        user = find_user(uow.session, email)
        token = issue_token(
            TokenClaims(user.id, user.tenant_id, user.role, user.token_generation),
            secret_key=container.settings.secret_key,
            now=container.clock(),
            lifetime=timedelta(hours=hours),
        )
    typer.echo(token)

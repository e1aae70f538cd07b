"""Channel credentials sealed at rest (security/sealing.py): the database holds no provider token in
clear, the application reads them as given, values stored in clear before are read and sealed by
`reseal_channels`, and a changed secret key opens what the previous one sealed."""

import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from omniline.bootstrap import Container
from omniline.channels.service import create_channel, load_channel_info, reseal_channels
from omniline.cli.main import app
from omniline.security.sealing import SEALED_PREFIX, SealBroken, Sealer, use_sealer
from omniline.settings import Settings
from tests.conftest import TEST_SECRET_KEY

BOT_TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
HOOK_TOKEN = "webhook-secret-0123456789"
SMTP_PASSWORD = "пароль-密码-password"


@pytest.fixture(autouse=True)
def test_key_afterwards() -> Iterator[None]:
    """Each test may change the process's sealer; the others expect the test key's."""
    yield
    use_sealer(Sealer(TEST_SECRET_KEY))


def stored_config(container: Container, channel_id: uuid.UUID) -> dict[str, Any]:
    """The config as the database holds it, past the column type."""
    raw = stored_column(container, channel_id, "config")
    return raw if isinstance(raw, dict) else dict(json.loads(raw))


def stored_column(container: Container, channel_id: uuid.UUID, column: str) -> Any:
    with container.engine.connect() as connection:
        return connection.execute(
            text(f"SELECT {column} FROM channels WHERE id = :id"),
            {"id": channel_id if container.engine.dialect.name == "postgresql" else channel_id.hex},
        ).scalar_one()


def telegram_channel(container: Container, tenant_id: uuid.UUID) -> uuid.UUID:
    with container.uow() as uow:
        channel = create_channel(
            uow.session,
            container.channels,
            tenant_id=tenant_id,
            kind="telegram",
            name="Бот поддержки / 客服机器人",
            config={"bot_token": BOT_TOKEN, "secret_token": HOOK_TOKEN},
            actor="test",
        )
        uow.commit()
        return channel.id


def test_the_database_holds_no_credential_in_clear(container: Container, tenant_id: uuid.UUID) -> None:
    channel_id = telegram_channel(container, tenant_id)

    stored = stored_config(container, channel_id)

    assert stored["bot_token"].startswith(SEALED_PREFIX)
    assert stored["secret_token"].startswith(SEALED_PREFIX)
    assert BOT_TOKEN not in json.dumps(stored)
    assert HOOK_TOKEN not in json.dumps(stored)
    assert stored["api_base_url"] == "https://api.telegram.org"  # not a credential: readable
    assert stored_column(container, channel_id, "secret").startswith(SEALED_PREFIX)
    with container.uow() as uow:
        channel = load_channel_info(uow.session, channel_id)
        assert channel.config["bot_token"] == BOT_TOKEN
        assert len(channel.secret) >= 32 and not channel.secret.startswith(SEALED_PREFIX)


def test_credentials_stored_in_clear_before_are_read_and_sealed_by_reseal(
    container: Container, tenant_id: uuid.UUID, settings: Settings
) -> None:
    channel_id = telegram_channel(container, tenant_id)
    in_clear = {"bot_token": BOT_TOKEN, "smtp": {"password": SMTP_PASSWORD, "host": "mail.test"}}
    old_secret = "a-signing-secret-stored-in-clear"
    with container.engine.begin() as connection:  # as a version without sealing wrote it
        connection.execute(
            text("UPDATE channels SET config = :config, secret = :secret WHERE id = :id"),
            {
                "config": json.dumps(in_clear, ensure_ascii=False),
                "secret": old_secret,
                "id": channel_id if container.engine.dialect.name == "postgresql" else channel_id.hex,
            },
        )
    with container.uow() as uow:
        channel = load_channel_info(uow.session, channel_id)
        assert (channel.config, channel.secret) == (in_clear, old_secret)

    env = {
        "OMNILINE_DATABASE_URL": settings.database_url,
        "OMNILINE_ENVIRONMENT": "test",
        "OMNILINE_SECRET_KEY": TEST_SECRET_KEY,
    }
    result = CliRunner().invoke(app, ["channel", "reseal"], env=env)

    assert result.exit_code == 0, result.output
    assert "1 channel(s) sealed" in result.output
    stored = stored_config(container, channel_id)
    assert stored["bot_token"].startswith(SEALED_PREFIX)
    assert stored["smtp"]["password"].startswith(SEALED_PREFIX)
    assert stored["smtp"]["host"] == "mail.test"
    assert stored_column(container, channel_id, "secret").startswith(SEALED_PREFIX)
    with container.uow() as uow:
        channel = load_channel_info(uow.session, channel_id)
        assert (channel.config, channel.secret) == (in_clear, old_secret)


def test_a_new_key_opens_what_the_previous_one_sealed_and_reseal_moves_to_it(
    container: Container, tenant_id: uuid.UUID
) -> None:
    channel_id = telegram_channel(container, tenant_id)
    new_key = "a-new-secret-key-for-the-rotation"

    use_sealer(Sealer(new_key, [TEST_SECRET_KEY]))
    with container.uow() as uow:
        assert load_channel_info(uow.session, channel_id).config["bot_token"] == BOT_TOKEN
        assert reseal_channels(uow.session) == 1
        uow.commit()

    use_sealer(Sealer(new_key))  # the old key is gone now
    with container.uow() as uow:
        assert load_channel_info(uow.session, channel_id).config["bot_token"] == BOT_TOKEN
    use_sealer(Sealer("yet-another-key-nobody-used"))
    with pytest.raises(SealBroken, match="OMNILINE_PREVIOUS_SECRET_KEYS"), container.uow() as uow:
        load_channel_info(uow.session, channel_id)

"""sealed channel secret: room for a channel's signing secret in its sealed form

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-25 00:15:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from omniline.security.sealing import SEALED_PREFIX, process_sealer

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A sealed secret (security/sealing.py) takes about 150 characters. SQLite does not enforce a
    # VARCHAR's length, and changing a column's type there means copying the table: it is left as it is.
    # Secrets stored before stay readable; `omniline channel reseal` seals them.
    if op.get_bind().dialect.name != "sqlite":
        op.alter_column(
            "channels", "secret", type_=sa.String(300), existing_type=sa.String(100), existing_nullable=False
        )


def downgrade() -> None:
    # Before 0009 the signing secret was kept in clear, and a sealed one does not fit the old length:
    # the secrets are opened first (with the process's key: `omniline db downgrade` runs with the
    # settings). Config credentials were sealed before 0009 and stay sealed.
    _open_sealed_secrets()
    if op.get_bind().dialect.name != "sqlite":
        op.alter_column(
            "channels", "secret", type_=sa.String(100), existing_type=sa.String(300), existing_nullable=False
        )


def _open_sealed_secrets() -> None:
    bind = op.get_bind()
    channels = sa.table("channels", sa.column("id", sa.Uuid()), sa.column("secret", sa.String()))
    sealed = bind.execute(
        sa.select(channels.c.id, channels.c.secret).where(channels.c.secret.startswith(SEALED_PREFIX))
    ).all()
    if not sealed:
        return
    sealer = process_sealer()
    for channel_id, secret in sealed:
        bind.execute(channels.update().where(channels.c.id == channel_id).values(secret=sealer.open(secret)))

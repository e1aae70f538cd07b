"""sealed channel secret: room for a channel's signing secret in its sealed form

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-25 00:15:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

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
    # Sealed secrets do not fit the old length: a downgrade after sealing stops with PostgreSQL's
    # "value too long" rather than cut one.
    if op.get_bind().dialect.name != "sqlite":
        op.alter_column(
            "channels", "secret", type_=sa.String(100), existing_type=sa.String(300), existing_nullable=False
        )

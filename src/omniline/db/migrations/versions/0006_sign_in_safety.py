"""sign-in safety: failed sign-ins per e-mail, a token generation per user; tasks by day

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24 06:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sign_in_failures",
        sa.Column("email_key", sa.String(length=64), nullable=False),
        sa.Column("failed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sign_in_failures")),
    )
    op.create_index("ix_sign_in_failures_email_key", "sign_in_failures", ["email_key", "failed_at"])
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("token_generation", sa.Integer(), nullable=False, server_default="0"))
    # The wallboard's "today" figures read a tenant's tasks by creation time.
    op.create_index("ix_tasks_tenant_created", "tasks", ["tenant_id", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_tasks_tenant_created", table_name="tasks")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("token_generation")
    op.drop_index("ix_sign_in_failures_email_key", table_name="sign_in_failures")
    op.drop_table("sign_in_failures")

"""case numbers from a sequence on PostgreSQL

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 23:40:00

Allocating the next case number by updating the tenant's counter holds that tenant's row lock until
the transaction commits, so concurrent first messages of new customers queue behind each other. On
PostgreSQL a sequence hands out numbers without a lock (numbers stay unique per tenant, with gaps);
SQLite has one writer at a time anyway and keeps the counter.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE SEQUENCE IF NOT EXISTS case_number_seq")
    # Continue after every number handed out so far, so no tenant sees a number twice.
    op.execute(
        "SELECT setval('case_number_seq', GREATEST((SELECT COALESCE(MAX(case_counter), 0) FROM tenants), 1), "
        "(SELECT COALESCE(MAX(case_counter), 0) FROM tenants) > 0)"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP SEQUENCE IF EXISTS case_number_seq")

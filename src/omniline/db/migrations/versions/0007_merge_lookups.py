"""merge lookups: customers by the record they were merged into

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-24 09:10:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A merge points the customers earlier merged into the merged one at the survivor: without this
    # index, every merge read the whole customers table to find them.
    op.create_index("ix_customers_merged_into_id", "customers", ["merged_into_id"])


def downgrade() -> None:
    op.drop_index("ix_customers_merged_into_id", table_name="customers")

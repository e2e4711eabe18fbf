"""initial schema

Revision 0001, the first; written 2026-11-24 03:10:33.490456.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "inbox",
        sa.Column("event_id", sa.String(length=64), nullable=False),
        sa.Column("event_type", sa.String(length=100), nullable=False),
        sa.Column(
            "handled_at",
            sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_inbox")),
    )
    op.create_table(
        "mypages",
        sa.Column("order_id", sa.String(length=64), nullable=False),
        sa.Column("employee_card_no", sa.String(length=32), nullable=True),
        sa.Column("menu_name", sa.String(length=100), nullable=True),
        sa.Column("qty", sa.Integer(), nullable=True),
        sa.Column("amount", sa.Integer(), nullable=True),
        sa.Column("order_status", sa.String(length=16), nullable=True),
        sa.Column("cook_status", sa.String(length=16), nullable=True),
        sa.Column("payment_status", sa.String(length=16), nullable=True),
        sa.Column("notified", sa.Boolean(), nullable=False),
        sa.Column(
            "updated_at",
            sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("order_id", name=op.f("pk_mypages")),
    )
    with op.batch_alter_table("mypages", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_mypages_employee_card_no"), ["employee_card_no"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("mypages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mypages_employee_card_no"))

    op.drop_table("mypages")
    op.drop_table("inbox")

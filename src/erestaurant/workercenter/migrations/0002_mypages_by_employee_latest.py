"""an employee's page read off an index in order

Revision 0002; the page is an employee's latest orders. With an index on the card alone,
each read sorted every order the employee had placed; on (card, updated_at) it reads the
latest ones in order. The new index serves lookups by card alone too, so the old one goes.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("mypages", schema=None) as batch_op:
        batch_op.create_index(
            "ix_mypages_employee_card_no_updated_at",
            ["employee_card_no", "updated_at"],
            unique=False,
        )
        batch_op.drop_index(batch_op.f("ix_mypages_employee_card_no"))


def downgrade() -> None:
    with op.batch_alter_table("mypages", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_mypages_employee_card_no"), ["employee_card_no"], unique=False
        )
        batch_op.drop_index("ix_mypages_employee_card_no_updated_at")

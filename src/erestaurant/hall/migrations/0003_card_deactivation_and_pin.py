"""a card's registration, deactivation and kiosk PIN

Revision 0003; hall's copy of a card follows payment's news of it in the order of the
news' times, and counts wrong PINs on the card's row so that every replica agrees. A card
may be heard of by a deactivation or a PIN before its registration, so without a name.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_INSTANT = sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")


def upgrade() -> None:
    with op.batch_alter_table("cards", schema=None) as batch_op:
        batch_op.alter_column(
            "name", existing_type=sa.String(length=100), existing_nullable=False, nullable=True
        )
        batch_op.add_column(sa.Column("registered_at", _INSTANT, nullable=True))
        batch_op.add_column(sa.Column("deactivated_at", _INSTANT, nullable=True))
        batch_op.add_column(sa.Column("pin_hash", sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column("pin_set_at", _INSTANT, nullable=True))
        batch_op.add_column(
            sa.Column("wrong_pins", sa.Integer(), server_default=sa.text("0"), nullable=False)
        )
        batch_op.add_column(sa.Column("pin_locked_until", _INSTANT, nullable=True))


def downgrade() -> None:
    # Cards known only by a deactivation or a PIN have no name, which 0002 requires.
    op.execute("DELETE FROM cards WHERE name IS NULL")
    with op.batch_alter_table("cards", schema=None) as batch_op:
        batch_op.drop_column("pin_locked_until")
        batch_op.drop_column("wrong_pins")
        batch_op.drop_column("pin_set_at")
        batch_op.drop_column("pin_hash")
        batch_op.drop_column("deactivated_at")
        batch_op.drop_column("registered_at")
        batch_op.alter_column(
            "name", existing_type=sa.String(length=100), existing_nullable=True, nullable=False
        )

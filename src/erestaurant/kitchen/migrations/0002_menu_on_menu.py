"""whether a dish is on the menu

Revision 0002; the kitchen staff take a dish off the menu and put it back. Every dish
that existed before was on the menu.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("menus", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("on_menu", sa.Boolean(), server_default=sa.true(), nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("menus", schema=None) as batch_op:
        batch_op.drop_column("on_menu")

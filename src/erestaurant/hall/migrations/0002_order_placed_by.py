"""who placed an order

Revision 0002; a kiosk may cancel only the orders it placed itself.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("orders", sa.Column("placed_by", sa.String(length=255), nullable=True))


def downgrade() -> None:
    op.drop_column("orders", "placed_by")

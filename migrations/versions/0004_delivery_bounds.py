"""delivery bounds: alert posting claims, sends in doubt, the shared send pace

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 06:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("post_claimed_by", sa.String(length=64), nullable=True))
        batch_op.add_column(
            sa.Column("post_lease_until", sa.DateTime(timezone=True), nullable=True)
        )
    with op.batch_alter_table("scheduled_messages", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("in_doubt", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(
            sa.Column("resend_started", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    op.create_table(
        "send_pace",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("next_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_send_pace")),
    )


def downgrade() -> None:
    op.drop_table("send_pace")
    with op.batch_alter_table("scheduled_messages", schema=None) as batch_op:
        batch_op.drop_column("resend_started")
        batch_op.drop_column("in_doubt")
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.drop_column("post_lease_until")
        batch_op.drop_column("post_claimed_by")

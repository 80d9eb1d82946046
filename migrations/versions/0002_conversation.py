"""conversation: every patient message an item with a state, cards in the group, phone

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("patients", schema=None) as batch_op:
        batch_op.add_column(sa.Column("phone", sa.String(length=32), nullable=True))
    op.create_table(
        "conversation_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("direction", sa.String(length=3), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("tier", sa.String(length=8), nullable=True),
        sa.Column("attachment", sa.String(length=16), nullable=True),
        sa.Column("file_id", sa.String(length=255), nullable=True),
        sa.Column("chat_message_id", sa.BigInteger(), nullable=True),
        sa.Column("inbound_message_id", sa.Integer(), nullable=True),
        sa.Column("checkin_id", sa.Integer(), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("author", sa.String(length=48), nullable=True),
        sa.Column("seen_by", sa.String(length=48), nullable=True),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("handled_by", sa.String(length=48), nullable=True),
        sa.Column("handled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("post_state", sa.String(length=16), nullable=False),
        sa.Column("post_attempts", sa.Integer(), nullable=False),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("posted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("post_error", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["checkin_id"],
            ["checkins.id"],
            name=op.f("fk_conversation_items_checkin_id_checkins"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["inbound_message_id"],
            ["inbound_messages.id"],
            name=op.f("fk_conversation_items_inbound_message_id_inbound_messages"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patients.id"],
            name=op.f("fk_conversation_items_patient_id_patients"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conversation_items")),
        sa.UniqueConstraint(
            "inbound_message_id", name=op.f("uq_conversation_items_inbound_message_id")
        ),
    )
    with op.batch_alter_table("conversation_items", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_conversation_items_patient_id"), ["patient_id"], unique=False
        )
        batch_op.create_index("ix_conversation_items_post", ["post_state", "created_at"])
        batch_op.create_index("ix_conversation_items_state", ["state", "created_at"])
    op.create_table(
        "card_posts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=True),
        sa.Column("patient_code", sa.String(length=16), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("message_id", sa.BigInteger(), nullable=False),
        sa.Column("posted_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["conversation_items.id"],
            name=op.f("fk_card_posts_item_id_conversation_items"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_card_posts")),
        sa.UniqueConstraint("chat_id", "message_id", name=op.f("uq_card_posts_chat_id")),
    )
    with op.batch_alter_table("card_posts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_card_posts_item_id"), ["item_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("card_posts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_card_posts_item_id"))
    op.drop_table("card_posts")
    with op.batch_alter_table("conversation_items", schema=None) as batch_op:
        batch_op.drop_index("ix_conversation_items_state")
        batch_op.drop_index("ix_conversation_items_post")
        batch_op.drop_index(batch_op.f("ix_conversation_items_patient_id"))
    op.drop_table("conversation_items")
    with op.batch_alter_table("patients", schema=None) as batch_op:
        batch_op.drop_column("phone")

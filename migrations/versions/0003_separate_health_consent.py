"""separate health-data consent

Consent to the service and consent to health data are two explicit choices, each stored
with the version of the text agreed to (issue 11 point 7).

Revision ID: 0003
Revises: 0001
Create Date: 2026-12-02 06:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("patients") as batch:
        batch.add_column(sa.Column("health_consent_version", sa.String(length=16), nullable=True))
        batch.add_column(
            sa.Column("health_consented_at", sa.DateTime(timezone=True), nullable=True)
        )
    # Patients registered before: their one consent (text 2026-11-v1) asked "including your
    # health information", so it stands for both, under that version.
    op.execute(
        "UPDATE patients SET health_consent_version = consent_version, "
        "health_consented_at = consented_at WHERE consented_at IS NOT NULL"
    )


def downgrade() -> None:
    with op.batch_alter_table("patients") as batch:
        batch.drop_column("health_consented_at")
        batch.drop_column("health_consent_version")

"""Two tables named for what they hold: ``team_blocks`` (the blocks summed over a whole Cursor
integration, where "team" meant the integration) becomes ``integration_blocks``, and ``people``
(Cursor's roster, beside the directory's ``persons``) becomes ``cursor_members``. "Team" and
"person" are the people directory's words. Rows, keys and data stay as they are.

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

RENAMED = (("team_blocks", "integration_blocks"), ("people", "cursor_members"))


def upgrade() -> None:
    for old, new in RENAMED:
        op.rename_table(old, new)
        if op.get_context().dialect.name == "postgresql":  # its primary key's index, likewise
            op.execute(f"ALTER INDEX {old}_pkey RENAME TO {new}_pkey")


def downgrade() -> None:
    for old, new in RENAMED:
        op.rename_table(new, old)
        if op.get_context().dialect.name == "postgresql":
            op.execute(f"ALTER INDEX {new}_pkey RENAME TO {old}_pkey")

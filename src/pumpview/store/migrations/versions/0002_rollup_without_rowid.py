"""The daily rollup as a single B-tree on SQLite (``WITHOUT ROWID``).

A rowid table plus its primary-key index wrote every rollup row twice; keyed by its primary key
alone, the table takes about half the writes and space. PostgreSQL has no rowids: no change there.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def _rebuild(with_rowid: bool) -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    with op.batch_alter_table(
        "usage_daily", recreate="always", table_kwargs={"sqlite_with_rowid": with_rowid}
    ):
        pass


def upgrade() -> None:
    _rebuild(with_rowid=False)


def downgrade() -> None:
    _rebuild(with_rowid=True)

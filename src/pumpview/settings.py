"""One ``Settings`` object, read from ``PUMPVIEW_*`` environment variables, built at the edge."""

from __future__ import annotations

from pathlib import Path

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """``PUMPVIEW_HOME``, ``_DATABASE_URL``, ``_SECRET_KEY`` and ``_RATE_LIMIT`` (on/off).

    CLI flags override these; nothing reads the environment anywhere else.
    """

    model_config = SettingsConfigDict(env_prefix="PUMPVIEW_", extra="ignore")

    home: Path = Path("~/.pumpview")
    database_url: str | None = None
    secret_key: SecretStr | None = None
    rate_limit: bool = True
    """Client-side pacing under Cursor's per-minute limits; ``off`` for an unlimited upstream."""

    @property
    def home_dir(self) -> Path:
        return self.home.expanduser()

    @property
    def db_url(self) -> str:
        """The database URL: the setting, or a SQLite file in the data folder."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.home_dir / 'pumpview.db'}"

"""One ``Settings`` object, read from ``PUMPVIEW_*`` environment variables, built at the edge."""

from __future__ import annotations

import ipaddress
import os
import stat
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ByteSize, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from pumpview.errors import UserInputError
from pumpview.integrations.cursor import DEFAULT_BASE_URL
from pumpview.integrations.focus.tagging import DEFAULT_OWNER_KEYS, DEFAULT_TEAM_KEYS, TagKeys
from pumpview.timeutil import SYSTEM_CLOCK, Clock, to_ms

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from pumpview.reports.billing import Billing
    from pumpview.reports.seats import SeatPlan
    from pumpview.vault import Vault


class Settings(BaseSettings):
    """``PUMPVIEW_HOME``, ``_DATABASE_URL``, ``_SECRET_KEY`` and ``_RATE_LIMIT`` (on/off).

    CLI flags override these; nothing reads the environment anywhere else. Only the faces (the
    CLI and the web app) read settings: they build what the core needs from them (``vault()``,
    ``seats``) and pass it down.
    """

    model_config = SettingsConfigDict(env_prefix="PUMPVIEW_", extra="ignore")

    home: Path = Path("~/.pumpview")
    database_url: str | None = None
    secret_key: SecretStr | None = None
    rate_limit: bool = True
    """Client-side pacing under Cursor's per-minute limits; ``off`` for an unlimited upstream."""
    cursor_base_url: str = DEFAULT_BASE_URL
    """Where Cursor's Admin API is: the simulator or a proxy instead, for a connect."""
    anthropic_base_url: str = "https://api.anthropic.com"
    """Where Anthropic's Admin API is (Claude Code): the simulator or a proxy instead."""
    github_base_url: str = "https://api.github.com"
    """Where GitHub's REST API is (Copilot): the simulator, a proxy or a GHE.com tenant's
    ``https://api.<subdomain>.ghe.com`` instead."""
    base_url: str = "http://localhost:8000"
    """Where people open the web app: the link back in every alert (Slack's button, the email's
    link) is this and the Alerts page."""
    sync_interval: int | None = 60
    """Minutes between the web app's background syncs; ``off`` for none."""
    workers: int = Field(default=1, ge=1, le=64)
    """Processes ``pumpview serve`` answers requests with, on one socket (``--workers``): more
    than one shares the load of a busy team; they share sessions, the sign-in throttle and one
    schedule through the store. One only with embedded chDB facts, which one process may open."""
    cookie_secure: bool | None = None
    """Mark session cookies ``Secure``: ``on``, ``off``, or unset to follow the request (HTTPS)."""
    max_upload: ByteSize = Field(default=ByteSize(1 << 30), gt=0)
    """The largest request body the web app reads from a signed-in user (a FOCUS upload):
    ``1GiB`` by default, ``500MB``, ``64KiB``, or bytes. Anyone else's is read only up to 64 KiB."""
    trusted_proxies: str | None = None
    """Reverse proxies (addresses or networks, comma-separated) whose ``X-Forwarded-For`` and
    ``X-Forwarded-Proto`` the web app believes; unset, it believes none and uses the peer."""
    clickhouse_url: SecretStr | None = None
    """Where the facts live when they outgrow one machine: ``http(s)://user:password@host:8123/db``
    (a server, a cluster, ClickHouse Cloud) or ``chdb:///path`` (embedded); unset, in the
    database. A secret: never printed."""
    clickhouse_cluster: str | None = None
    """The ClickHouse cluster's name: tables replicated ``ON CLUSTER``, a ``Distributed`` table
    over them."""
    seat_plan: str | None = None
    """The Cursor plan's name for its seat fee (``Business``): a label of the FOCUS export."""
    seat_price: Decimal | None = Field(default=None, ge=0, max_digits=12, decimal_places=6)
    """USD per seat per month. Set, the FOCUS export adds a seat row per member and month:
    configured, not measured (the Admin API has no seat fees)."""

    copilot_business_price: Decimal = Field(
        default=Decimal("19.00"), ge=0, max_digits=12, decimal_places=6
    )
    """USD per GitHub Copilot Business seat per month (GitHub's list price by default; its API
    has no price): the bill's and the reports' Copilot seats, configured."""
    copilot_enterprise_price: Decimal = Field(
        default=Decimal("39.00"), ge=0, max_digits=12, decimal_places=6
    )
    """USD per GitHub Copilot Enterprise seat per month, likewise."""

    idle_days: int = Field(default=30, ge=1, le=3660)
    """A paid seat with no usage for this many days is idle (Seats, the idle-seats digest)."""

    anomaly_factor: Decimal = Field(default=Decimal(6), gt=0, max_digits=8, decimal_places=4)
    """A day is an anomaly when it is this many scales (1.4826 x MAD) above the usual..."""
    anomaly_floor: Decimal = Field(default=Decimal(10), ge=0, max_digits=12, decimal_places=2)
    """...and at least this many US dollars above it, so a $0.40 day never pages anyone."""

    owner_tags: str = ",".join(DEFAULT_OWNER_KEYS)
    """Cloud tag keys that name a cost's owner, comma-separated, first match wins; compared
    without case, provider prefixes (``user:``, ``resourceTags/``...) and ``-``/``_``."""
    team_tags: str = ",".join(DEFAULT_TEAM_KEYS)
    """Cloud tag keys that name a cost's team (or cost centre), likewise."""

    now: datetime | None = None
    """A fixed present (``2026-12-07T00:00:30Z``; UTC when no offset is given) instead of the
    system clock: for tests and reproducible demos. Every part reads the present from it."""

    @property
    def clock(self) -> Clock:
        """The present every part of the product reads: the system clock unless ``now`` is set."""
        if self.now is None:
            return SYSTEM_CLOCK
        moment = self.now if self.now.tzinfo is not None else self.now.replace(tzinfo=UTC)
        return Clock(to_ms(moment))

    def upstream_url(self, provider: str) -> str:
        """Where ``provider``'s API is, for a connect (its setting, else the provider's own)."""
        return {"claude-code": self.anthropic_base_url,
                "copilot": self.github_base_url}.get(provider, self.cursor_base_url)  # fmt: skip

    @property
    def tag_keys(self) -> TagKeys:
        """The owner and team tag keys an import attributes cloud costs by."""
        return TagKeys.of(self.owner_tags.split(","), self.team_tags.split(","))

    @property
    def seats(self) -> SeatPlan | None:
        """The seat plan of ``seat_price`` (and ``seat_plan``); ``None`` when no price is set.
        Only the default: the faces price seats with the stored billing settings over it
        (``web.billing()``, the CLI context's ``billing``)."""
        from pumpview.reports.seats import SeatPlan  # noqa: PLC0415 - SQLAlchemy, when read

        if self.seat_price is None:
            return None
        return SeatPlan(self.seat_price, (self.seat_plan or "").strip() or None)

    @property
    def billing(self) -> Billing:
        """The billing settings' defaults: what Settings → Billing stores wins over them."""
        from pumpview.reports.billing import Billing  # noqa: PLC0415 - SQLAlchemy, when read

        plan = (self.seat_plan or "").strip() or None
        floor = self.anomaly_floor.scaleb(2)
        return Billing(self.seat_price, plan, self.idle_days, self.anomaly_factor, floor,
                       self.copilot_business_price, self.copilot_enterprise_price)  # fmt: skip

    def vault(self) -> Vault:
        """The vault of ``secret_key``, else of the key file in the data folder (made on first
        use)."""
        from pumpview.vault import KEY_FILE, Vault  # noqa: PLC0415 - cryptography, when used

        if self.secret_key is not None:
            return Vault(self.secret_key.get_secret_value().encode())
        return Vault.from_key_file(self.home_dir / KEY_FILE)

    @field_validator("sync_interval", mode="before")
    @classmethod
    def _interval(cls, value: object) -> object:
        if isinstance(value, str) and value.strip().lower() == "off":
            return None
        return value

    @field_validator("sync_interval")
    @classmethod
    def _positive(cls, value: int | None) -> int | None:
        if value is not None and value < 1:
            msg = "expected a number of minutes (at least 1) or off"
            raise ValueError(msg)
        return value

    @field_validator("base_url")
    @classmethod
    def _web_address(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        scheme, _, rest = value.partition("://")
        if scheme not in ("http", "https") or not rest or "@" in rest:
            msg = "expected the web app's address, such as https://pumpview.example.com"
            raise ValueError(msg)
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, value: str | None) -> str | None:
        if not (value or "").strip():
            return None
        for item in (value or "").split(","):
            if item.strip() != "*":
                try:
                    ipaddress.ip_network(item.strip())
                except ValueError:
                    msg = f"{item.strip()!r} is not an address or network (10.0.0.0/8, ::1, *)"
                    raise ValueError(msg) from None
        return value

    @field_validator("home")
    @classmethod
    def _home_is_a_path(cls, value: Path) -> Path:
        if not str(value).strip() or str(value) == ".":
            msg = "must name a folder (it is empty)"
            raise ValueError(msg)
        return value

    @property
    def home_dir(self) -> Path:
        try:
            return self.home.expanduser()
        except RuntimeError:  # ~user of no such user
            msg = f"PUMPVIEW_HOME: cannot find the home folder in {str(self.home)!r}"
            raise UserInputError(msg) from None

    @property
    def db_url(self) -> str:
        """The database URL: the setting, or a SQLite file in the data folder."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.home_dir / 'pumpview.db'}"

    @property
    def embedded_facts(self) -> bool:
        """Whether the facts are in embedded chDB, which one process at a time may open: the
        web app then syncs in its own threads rather than in processes of their own."""
        url = self.clickhouse_url.get_secret_value() if self.clickhouse_url else ""
        return url.strip().lower().startswith("chdb:")

    def open_store(self) -> Engine:
        """The store (``store.engine.open_store``): the database, and ClickHouse when set."""
        from pumpview.store.engine import open_store  # noqa: PLC0415 - SQLAlchemy, when needed

        facts = self.clickhouse_url.get_secret_value() if self.clickhouse_url else None
        return open_store(self.db_url, facts, self.clickhouse_cluster)


def private_home(settings: Settings) -> None:
    """Make an existing data folder its owner's alone (0700), as a new one is created: one
    made by hand, or by an older release, could be 0755, its database's name and size visible
    to everyone on the machine. A folder of someone else's is left alone; a missing one is
    made later, 0700, by whatever first writes in it."""
    home = settings.home_dir
    try:
        found = home.stat()
        if stat.S_ISDIR(found.st_mode) and found.st_uid == os.getuid() and found.st_mode & 0o077:
            home.chmod(stat.S_IMODE(found.st_mode) & 0o700)
    except FileNotFoundError:
        pass
    except OSError as exc:
        msg = f"cannot make the data folder {home} private: {exc.strerror or exc}"
        raise UserInputError(msg) from None


def load_settings(**overrides: Any) -> Settings:
    """``Settings`` from the environment and ``overrides``; a bad value is one clear
    ``UserInputError`` naming the variable, never a validation dump."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        first = exc.errors()[0]
        name = str(first["loc"][0]) if first["loc"] else "setting"
        flag = f"--{name.replace('_', '-')}" if name in overrides else f"PUMPVIEW_{name.upper()}"
        reason = first["msg"].removeprefix("Value error, ")
        if name in ("rate_limit", "cookie_secure"):
            reason = "expected on or off"
        elif name == "sync_interval":
            reason = "expected a number of minutes (at least 1) or off"
        elif name == "workers":
            reason = "expected a number of processes from 1 to 64"
        elif name == "max_upload":
            reason = "expected a size such as 1GiB, 500MB or 64KiB"
        shown = "" if name in ("secret_key", "clickhouse_url") else f" (got {first.get('input')!r})"
        msg = f"{flag}: {reason}{shown}"
        raise UserInputError(msg) from None

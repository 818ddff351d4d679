"""The one settings object every part of chokepoint receives.

Settings are read from the environment once, by :meth:`Settings.from_env`,
at the edge of the program (the CLI entry point, the service factory).
Everything below takes a ``Settings`` argument; nothing reads environment
variables at import time, so tests build their own ``Settings`` directly.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

ENV_PREFIX = "CHOKEPOINT_"


def default_home() -> Path:
    """``$XDG_DATA_HOME/chokepoint`` or ``~/.local/share/chokepoint``."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "chokepoint"


class Settings(BaseModel):
    """Where chokepoint keeps its data and how it behaves."""

    model_config = ConfigDict(frozen=True)

    #: Folder for the embedded database, the index cache and exports.
    home: Path = Field(default_factory=default_home)
    #: SQLAlchemy URL; default: a SQLite file in ``home``.
    database_url: str | None = None
    #: Score at or above which a candidate is an alert.
    threshold: float | None = None
    #: Matches kept per screened party.
    limit: int = 10

    # --- HTTP service (``chokepoint serve``) ---
    #: Largest request body accepted by /match, /assess and the other
    #: JSON endpoints, in bytes (larger: 413).
    max_body_bytes: int = 1_000_000
    #: Largest body accepted by /screen, in bytes.
    max_screen_bytes: int = 20_000_000
    #: Most queries in one /match call.
    max_queries: int = 100
    #: Most rows in one /screen call.
    max_screen_rows: int = 10_000
    #: Failed authentications per client address within the window after
    #: which that address is refused (429) until the window has passed.
    auth_fail_limit: int = 10
    auth_fail_window: float = 60.0
    #: seconds between checks of the active list versions by a running
    #: service (a version activated by another process or worker is then
    #: loaded without a restart); 0 turns the check off
    version_check_seconds: float = 15.0

    # --- list updates (``chokepoint lists update``) ---
    #: YAML file mapping dataset names to source URLs, overriding the
    #: official URLs of ``data/datasets.yaml``
    sources_file: Path | None = None
    #: seconds to wait for a server to answer (connect and each read)
    update_timeout: float = 60.0
    #: attempts per download, with exponential backoff between them
    update_attempts: int = 3
    update_backoff: float = 2.0
    #: refuse a new version whose listed entities drop by more than this
    #: share against the active version (``--force`` overrides)
    update_max_drop: float = 0.10
    #: a list whose last successful update is older than this is stale
    stale_after_hours: float = 48.0

    # --- notifications of new monitoring alerts ---
    #: URLs that receive a POST of each monitoring run's new alerts (JSON)
    webhook_urls: tuple[str, ...] = ()
    #: secret of the HMAC-SHA256 signature header sent with each webhook
    webhook_secret: str | None = None
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_from: str = "chokepoint@localhost"
    smtp_to: tuple[str, ...] = ()
    smtp_user: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: object) -> "Settings":
        """Build settings from ``CHOKEPOINT_*`` variables (and overrides)."""
        env = os.environ if environ is None else environ
        values: dict[str, object] = {}
        if env.get(ENV_PREFIX + "HOME"):
            values["home"] = Path(env[ENV_PREFIX + "HOME"]).expanduser()
        if env.get(ENV_PREFIX + "DATABASE_URL"):
            values["database_url"] = env[ENV_PREFIX + "DATABASE_URL"]
        if env.get(ENV_PREFIX + "THRESHOLD"):
            values["threshold"] = float(env[ENV_PREFIX + "THRESHOLD"])
        if env.get(ENV_PREFIX + "VERSION_CHECK_SECONDS"):
            values["version_check_seconds"] = float(env[ENV_PREFIX + "VERSION_CHECK_SECONDS"])
        if env.get(ENV_PREFIX + "SOURCES_FILE"):
            values["sources_file"] = Path(env[ENV_PREFIX + "SOURCES_FILE"]).expanduser()
        for name in ("WEBHOOK_URLS", "SMTP_TO"):
            if env.get(ENV_PREFIX + name):
                values[name.lower()] = tuple(v.strip() for v in env[ENV_PREFIX + name].split(",") if v.strip())
        for name in ("WEBHOOK_SECRET", "SMTP_HOST", "SMTP_FROM", "SMTP_USER", "SMTP_PASSWORD"):
            if env.get(ENV_PREFIX + name):
                values[name.lower()] = env[ENV_PREFIX + name]
        if env.get(ENV_PREFIX + "SMTP_STARTTLS"):
            values["smtp_starttls"] = env[ENV_PREFIX + "SMTP_STARTTLS"].lower() in ("1", "true", "yes", "on")
        if env.get(ENV_PREFIX + "SMTP_PORT"):
            values["smtp_port"] = int(env[ENV_PREFIX + "SMTP_PORT"])
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    @property
    def db_url(self) -> str:
        """The database URL in effect."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.home / 'chokepoint.db'}"

    @property
    def cache_dir(self) -> Path:
        return self.home / "cache"

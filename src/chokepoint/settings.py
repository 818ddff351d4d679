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

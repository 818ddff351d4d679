"""Alembic environment: runs on the connection chokepoint hands in."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

import chokepoint.lists.tables  # noqa: F401  (registers the tables)
import chokepoint.monitor.tables  # noqa: F401
import chokepoint.media.tables  # noqa: F401
import chokepoint.service.tables  # noqa: F401
from chokepoint.db import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = create_engine(config.get_main_option("sqlalchemy.url"))
    with engine.connect() as conn:
        context.configure(connection=conn, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()


def run_migrations_offline() -> None:
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=target_metadata)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()

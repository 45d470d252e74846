"""Alembic environment: runs against the connection the SIG app hands over."""
from __future__ import annotations

from alembic import context

from kernel.db import Base
from sig.migrate import import_models

import_models()
target_metadata = Base.metadata


def run() -> None:
    connection = context.config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("Run migrations through `sig db upgrade` (it provides the connection).")
    context.configure(connection=connection, target_metadata=target_metadata,
                      render_as_batch=connection.dialect.name == "sqlite",
                      compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


run()

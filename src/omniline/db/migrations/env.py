"""Alembic environment: runs migrations on the connection or URL handed over by omniline.db.migrate."""

from alembic import context
from sqlalchemy import Connection

from omniline.db.engine import build_engine
from omniline.db.models import Base

config = context.config
target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    if connection.dialect.name == "sqlite":
        # SQLite alters a table by copying and dropping it; with foreign keys on, dropping a table
        # that other rows point at fails. The pragma only works outside a transaction, so it goes to
        # the driver connection before the migration's transaction begins.
        connection.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")  # type: ignore[union-attr]
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters tables by copying them
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    engine = build_engine(config.get_main_option("sqlalchemy.url") or "")
    try:
        with engine.connect() as conn:
            _run(conn)
            conn.commit()
    finally:  # also when a migration or the revision asked for fails: no connection left open
        engine.dispose()

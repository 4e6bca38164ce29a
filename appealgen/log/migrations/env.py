"""Alembic's entry point. `appealgen.log.migrate.upgrade` passes the connection it opened and
locked; the migrations run inside that transaction."""

from alembic import context

from appealgen.log.tables import metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters a table by copying it
)
with context.begin_transaction():
    context.run_migrations()

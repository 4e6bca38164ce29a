"""Alembic migrations of the tracking log (run by `appealgen.log.migrate`, never by hand)."""

"""Alembic environment: runs migrations against the configured database."""

from __future__ import annotations

from alembic import context

from geodata.db import get_engine
from geodata.models import Base

target_metadata = Base.metadata


def include_object(obj, name, type_, reflected, compare_to):  # type: ignore[no-untyped-def]
    # PostGIS's own tables (spatial_ref_sys, tiger, topology) are not ours to manage.
    return not (type_ == "table" and reflected and compare_to is None)


def run_migrations_online() -> None:
    url = context.config.attributes.get("database_url")
    connectable = get_engine(url)
    with connectable.connect() as connection:
        context.configure(
            connection=connection, target_metadata=target_metadata, include_object=include_object
        )
        with context.begin_transaction():
            context.run_migrations()


run_migrations_online()

"""SQLAlchemy 2 typed models. The schema itself only changes through Alembic migrations."""

from __future__ import annotations

import datetime as dt

from geoalchemy2 import Geometry
from sqlalchemy import (
    BigInteger,
    Date,
    Double,
    ForeignKey,
    Identity,
    Index,
    Integer,
    MetaData,
    Text,
    func,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# Named constraints so Alembic migrations are reproducible.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class AdminUnit(Base):
    """An administrative unit at any level (city, district, ward, …), valid over a period of time.

    Levels are data, not tables: a hierarchy that changes (Việt Nam dropped districts on
    2025-07-01) is a new set of rows with their own validity, not a schema change.
    """

    __tablename__ = "admin_unit"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    code: Mapped[str] = mapped_column(Text)
    name: Mapped[str] = mapped_column(Text)  # as the source wrote it, for display
    name_norm: Mapped[str] = mapped_column(Text)  # for matching (see geodata.importing.names)
    unit_type: Mapped[str | None] = mapped_column(Text)  # Quận, Huyện, Phường, Xã, Thị trấn, …
    level: Mapped[str] = mapped_column(Text)  # city, district, ward, …
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("admin_unit.id", ondelete="RESTRICT"))
    valid_from: Mapped[dt.date] = mapped_column(Date)
    valid_to: Mapped[dt.date | None] = mapped_column(Date)  # exclusive; NULL = still valid
    population: Mapped[int | None] = mapped_column(Integer)
    area_km2: Mapped[float] = mapped_column(Double)
    source: Mapped[str] = mapped_column(Text)  # "demo" for the synthetic data set
    geom = mapped_column(Geometry("MULTIPOLYGON", srid=4326, spatial_index=False))
    created_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())

    __table_args__ = (
        Index("ix_admin_unit_geom", "geom", postgresql_using="gist"),
        Index("ix_admin_unit_parent_id", "parent_id"),
        Index("ix_admin_unit_level_name_norm", "level", "name_norm"),
    )


class MapFeature(Base):
    """Context drawn under the admin units so the map reads without base tiles (rivers, canals)."""

    __tablename__ = "map_feature"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    kind: Mapped[str] = mapped_column(Text)  # river, canal, lake
    name: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str] = mapped_column(Text)
    geom = mapped_column(Geometry("GEOMETRY", srid=4326, spatial_index=False))

    __table_args__ = (Index("ix_map_feature_geom", "geom", postgresql_using="gist"),)

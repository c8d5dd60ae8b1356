"""Data access for the Cần Thơ IOC map: settings, database, models, importers and spatial queries.

Nothing in this package knows about Dash; the dashboard reads PostGIS only through it.
"""

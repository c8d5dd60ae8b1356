"""Monitoring: readings and their rollups, map layers, coverage, ingestion, the map's queries,
the OGC collections' queries and the printed map's renderer."""

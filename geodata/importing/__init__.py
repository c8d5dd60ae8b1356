"""Importing: reading files (and their CRS) into admin-unit boundaries, features and readings."""

"""Modules a test server loads through the ``layer_modules`` setting (a city's own layers)."""

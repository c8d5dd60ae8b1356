"""The dashboard's domain: what the city's numbers mean, with no database, no web framework.

Indicators and their classes, value types (a unit, a KPI, a drill-down view), the city's time zone,
facility kinds, simplification tolerances, the print model and bilingual names. Everything here is
pure: it imports the standard library only, so ``layouts`` (drawing) and ``geodata`` (the database)
can both build on it without knowing each other.
"""

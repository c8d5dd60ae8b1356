"""Continuous backup and point-in-time restore (issue 16), with pgBackRest.

- ``tool``: the project's own pgBackRest configuration (never /etc), and running pgBackRest,
  psql and pg_ctl as the cluster's owner (PostgreSQL's files are its own; root or a sudo user
  runs ``make``).
- ``files``: the citizens' photos, copied into the repository by their SHA-256 (checked on the
  way in and on the way out) and brought back as the restored database refers to them.
- ``runs``: turning WAL archiving on (``setup``), taking a base backup with its photos and its
  ``backup_run`` row (``run``), and what the repository holds (``info``).
- ``restore``: the database and the photos as they were at a moment, into a new cluster or over
  the old one, after every check that can refuse it has passed.
- ``schedule``: what the worker starts, and when.
"""

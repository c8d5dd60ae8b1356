"""Retention: how long each kind of data is kept (settings), and the job that applies it."""

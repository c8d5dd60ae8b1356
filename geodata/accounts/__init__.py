"""Accounts: users and their audit log, API tokens, rate limits."""

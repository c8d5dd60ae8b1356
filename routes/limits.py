"""The app's one rate limiter (Flask-Limiter): the OGC API, Open311 and the citizens' report form
count their clients in one storage with one strategy (``CANTHO_OGC_RATE_LIMIT_STORAGE``: by
default PostgreSQL, so every worker and every app node counts together), each with its own limits
and key. One limiter, not one per blueprint: each instance hooks every request of the app.

Answers to limited routes carry the ``X-RateLimit-*`` headers, so a client can pace itself.
"""

from __future__ import annotations

import flask
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

from geodata.settings import get_settings

_EXTENSION = "cantho_limiter"


def limiter(server: flask.Flask) -> Limiter:
    """The app's limiter, made on first use (keyed by the client's address unless a limit
    says otherwise)."""
    found = server.extensions.get(_EXTENSION)
    if found is None:
        settings = get_settings()
        found = Limiter(
            get_remote_address,
            app=server,
            storage_uri=settings.ogc_rate_limit_storage,
            headers_enabled=True,
            strategy=settings.ogc_rate_limit_strategy,
            key_prefix="cantho",
        )
        server.extensions[_EXTENSION] = found
    return found

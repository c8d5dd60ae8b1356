"""What every web request shares, Dash callback or Flask route: who is asking and what they may
see (``access.py``), and what the request asks for — language, unit, date (``request.py``).
Imports neither ``callbacks`` nor ``routes``: both import it."""

"""What answers HTTP apart from Dash: Flask routes and their set-up (OGC API, ingestion API,
sign-in and the page's security headers, audit pages, downloads, printed maps). ``app.py`` calls
each module's ``init_*``; no module here defines a Dash callback."""

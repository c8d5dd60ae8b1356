"""Sign-in and sign-out: Flask routes on the app's server, sessions by Flask-Login.

The session cookie is signed, HttpOnly, SameSite=Lax and Secure when the setting says the site is
served over HTTPS. Forms carry a CSRF token (Flask-WTF); Dash's own POSTs must be JSON, which a
page on another site cannot send without a CORS pre-flight this server never grants. Every
sign-in (success, failure, refusal) is audited; failures are rate limited per account and per
address through the audit log, so the limit holds across workers.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

import flask
from flask_login import LoginManager, UserMixin, login_user, logout_user
from flask_wtf.csrf import CSRFError, generate_csrf, validate_csrf

from geodata.accounts.users import SignInRefused, User, audit, authenticate, get_user
from geodata.db import get_engine, scope, transaction
from geodata.settings import get_settings, session_secret
from layouts.i18n import t
from routes.errors import BadRequest
from web.access import current_caller, forget_data_scope, state_data_scope
from web.request import current_language


class SessionUser(UserMixin):
    """The Flask-Login wrapper of an account."""

    def __init__(self, user: User) -> None:
        self.user = user

    def get_id(self) -> str:
        return str(self.user.id)


def _safe_next(value: str | None) -> str:
    """Only a path on this site: a sign-in link must not send anyone elsewhere."""
    parts = urlsplit(value or "/")
    if parts.scheme or parts.netloc or not (parts.path or "/").startswith("/"):
        return "/"
    path = parts.path or "/"
    if path.startswith("//"):
        return "/"
    return path + (f"?{parts.query}" if parts.query else "")


def _render(error: str | None = None, username: str = "", status: int = 200) -> Any:
    lang = current_language()
    html = flask.render_template(
        "signin.html",
        lang=lang,
        title=t("auth.title", lang),
        error=error,
        csrf=generate_csrf(),
        next=_safe_next(flask.request.values.get("next")),
        username=username,
        username_label=t("auth.username", lang),
        password_label=t("auth.password", lang),
        submit=t("auth.sign_in", lang),
    )
    return flask.Response(html, status=status, mimetype="text/html")


def sign_in() -> Any:
    """GET: the form. POST: check the token and the password, then start a fresh session."""
    if flask.request.method == "GET":
        return _render()
    lang = current_language()
    try:
        validate_csrf(flask.request.form.get("csrf_token"))
    except CSRFError:
        return _render(t("auth.csrf", lang), status=400)
    except Exception:  # flask-wtf raises ValidationError for a missing or wrong token
        return _render(t("auth.csrf", lang), status=400)
    username = flask.request.form.get("username", "")
    refused: SignInRefused | None = None
    # Checking a password reads the accounts: the owner's rights, not the visitor's reader role.
    with scope(None), transaction() as conn:  # the audit entry is kept whatever the outcome
        try:
            user = authenticate(
                conn, username, flask.request.form.get("password", ""), flask.request.remote_addr
            )
        except SignInRefused as exc:
            refused = exc
    if refused is not None:
        if refused.reason == "rate_limited":
            message = t("auth.rate_limited", lang, minutes=math.ceil(refused.retry_after_s / 60))
            response = _render(message, username, status=429)
            response.headers["Retry-After"] = str(refused.retry_after_s)
            return response
        disabled = refused.reason == "disabled"
        message = t("auth.disabled", lang) if disabled else t("auth.failed", lang)
        return _render(message, username, status=401)
    # A new session for the new identity: nothing from before sign-in carries over (fixation).
    flask.session.clear()
    login_user(SessionUser(user))
    return flask.redirect(_safe_next(flask.request.form.get("next")))


def sign_out() -> Any:
    """End the session (POST with the form's CSRF token)."""
    try:
        validate_csrf(flask.request.form.get("csrf_token"))
    except Exception:
        raise BadRequest(t("auth.csrf", current_language())) from None
    with transaction() as conn:  # the reader roles may append to the audit log
        audit(conn, "sign_out", "success", current_caller().username, flask.request.remote_addr)
    logout_user()
    flask.session.clear()
    return flask.redirect("/")


def _dash_posts_are_json() -> Any:
    """Refuse a Dash callback POST that is not JSON: a cross-site form cannot send JSON."""
    request = flask.request
    is_callback = request.method == "POST" and request.path.endswith("/_dash-update-component")
    if is_callback and request.mimetype != "application/json":
        return flask.Response("callbacks take JSON", status=415)
    return None


def _hardening_headers(response: flask.Response) -> flask.Response:
    """Headers every response carries. The layout depends on the session, the language cookie
    and the page it was asked from (/kiosk), so no cache may share it."""
    headers = response.headers
    headers.setdefault("X-Content-Type-Options", "nosniff")
    # Same-origin referrers only: the kiosk's layout request needs its own page's address.
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    kiosk = flask.request.path.rstrip("/") == "/kiosk"
    if not (kiosk and get_settings().kiosk_embeddable):
        headers.setdefault("X-Frame-Options", "DENY")
    if flask.request.path.endswith(("/_dash-layout", "/_dash-update-component", "/login")):
        headers["Cache-Control"] = "no-store"
        headers["Vary"] = "Cookie, Referer"
    return response


def _source_of(url: str) -> str | None:
    """The CSP source of a tile URL template: its origin, ``{s}`` subdomains as a wildcard."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None  # tiles served by this site, or none
    host = parts.netloc.replace("{s}.", "*.")
    return f"{parts.scheme}://{host}"


def content_security_policy(script_hashes: Sequence[str], kiosk: bool = False) -> str:
    """Scripts, styles and fonts from this site only (Dash's own inline renderer boot script is
    allowed by its hash); images also from the base-map tile server, when one is set.

    Styles need 'unsafe-inline': the bundles of Dash, its core components, dash-leaflet and
    Plotly inject their own CSS as <style> elements (checked in Chromium: with ``style-src
    'self'`` each one is refused). All of it still comes from scripts this site serves."""
    settings = get_settings()
    images = ["'self'", "data:", "blob:"]
    tiles = _source_of(settings.tile_url)
    if tiles:
        images.append(tiles)
    directives = {
        "default-src": ["'self'"],
        "script-src": ["'self'", *script_hashes],
        "style-src": ["'self'", "'unsafe-inline'"],
        "font-src": ["'self'"],
        "img-src": images,
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["*"] if kiosk and settings.kiosk_embeddable else ["'none'"],
    }
    return "; ".join(f"{name} {' '.join(values)}" for name, values in directives.items())


def init_csp(server: flask.Flask, script_hashes: Sequence[str]) -> None:
    """Send the Content-Security-Policy on every page (call once all callbacks are defined)."""
    page = content_security_policy(script_hashes)
    kiosk = content_security_policy(script_hashes, kiosk=True)

    @server.after_request
    def _csp(response: flask.Response) -> flask.Response:
        on_kiosk = flask.request.path.rstrip("/") == "/kiosk"
        response.headers.setdefault("Content-Security-Policy", kiosk if on_kiosk else page)
        return response


def init_auth(server: flask.Flask) -> None:
    """Configure sessions, Flask-Login and the sign-in routes on the app's Flask server."""
    settings = get_settings()
    server.config.update(
        SECRET_KEY=session_secret(settings),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.cookie_secure,
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_SECURE=settings.cookie_secure,
        WTF_CSRF_TIME_LIMIT=3600,
    )
    manager = LoginManager()
    manager.init_app(server)

    @manager.user_loader
    def load_user(user_id: str) -> SessionUser | None:
        # Read on every request: a disabled account or a changed role takes effect at once.
        if not user_id.isdigit():
            return None
        with scope(None), get_engine().connect() as conn:
            user = get_user(conn, int(user_id))
        return SessionUser(user) if user else None

    server.add_url_rule("/login", "sign_in", sign_in, methods=["GET", "POST"])
    server.add_url_rule("/logout", "sign_out", sign_out, methods=["POST"])
    server.before_request(_dash_posts_are_json)
    server.before_request(state_data_scope)
    server.teardown_request(forget_data_scope)
    server.after_request(_hardening_headers)

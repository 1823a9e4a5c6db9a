"""Response headers every page carries: a Content-Security-Policy naming no outside host, and friends."""
import secrets
from urllib.parse import urlsplit

from flask import g


def csp_nonce():
    """A per-response nonce for the few inline scripts we render (maps)."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


def _tile_origin(tile_url):
    """The map-tile host, the one outside source a page may use, and only when configured."""
    if not tile_url:
        return ""
    parts = urlsplit(tile_url)
    return f" {parts.scheme}://{parts.netloc.replace('{s}', '*')}"


def init_app(app):
    tiles = _tile_origin(app.config.get("TILE_URL", ""))

    @app.context_processor
    def _nonce():
        return {"csp_nonce": csp_nonce}

    @app.after_request
    def _headers(response):
        policy = (
            "default-src 'self'; "
            f"script-src 'self' 'nonce-{csp_nonce()}'; "
            "style-src 'self'; "
            f"img-src 'self' data:{tiles}; "
            "font-src 'self'; "
            "connect-src 'self'; "
            "object-src 'none'; "
            "base-uri 'self'; "
            "form-action 'self'; "
            "frame-ancestors 'none'"
        )
        response.headers.setdefault("Content-Security-Policy", policy)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
        response.headers["Permissions-Policy"] = "geolocation=(), camera=(), microphone=()"
        if app.config.get("SESSION_COOKIE_SECURE"):
            response.headers["Strict-Transport-Security"] = "max-age=31536000"
        if response.mimetype == "text/html":
            # Pages carry case data: never keep them in shared or browser caches.
            response.headers["Cache-Control"] = "no-store"
        return response

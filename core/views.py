"""Signing in and out, the home page, the user's own password, the health check, and the browser libraries maps use."""
from importlib.util import find_spec
from pathlib import Path
from urllib.parse import urlsplit

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, send_from_directory, url_for
from flask_login import current_user
from xstatic.pkg import leaflet, leaflet_markercluster

from core import auth, home
from core.db import db
from core.forms import ChangePasswordForm, LoginForm
from core.queue import redis

bp = Blueprint("core", __name__)

# Third-party browser libraries, served from the packages that install them (never a CDN, never copied here):
# package name in the URL -> (folder, the files a page may load from it; None for the whole folder).
ASSETS = {
    "leaflet": (Path(leaflet.BASE_DIR), None),
    "markercluster": (Path(leaflet_markercluster.BASE_DIR), None),
    # Found without importing folium, which only the map pages need.
    "folium": (Path(find_spec("folium").origin).resolve().parent / "templates", {"leaflet_heat.min.js"}),
}


def _safe_next(target):
    """Only follow a `next` that stays on this site."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Log in with email and password."""
    if current_user.is_authenticated:
        return redirect(url_for("core.home"))
    form = LoginForm()
    if form.validate_on_submit():
        if auth.attempt_login(form.email.data, form.password.data):
            return redirect(_safe_next(request.args.get("next")) or url_for("core.home"))
        flash(auth.LOGIN_FAILED, "danger")
    return render_template("core/login.html", form=form)


@bp.route("/logout", methods=["POST"])
def logout():
    """Log out and end this browser's session."""
    auth.logout(auth.acting_user())
    flash("You are logged out.", "info")
    return redirect(url_for("core.login"))


@bp.route("/", endpoint="home")
def home_page():
    """Show what needs the user's attention."""
    return render_template("core/home.html", panels=home.panels_for(current_user))


@bp.route("/account/password", methods=["GET", "POST"])
def change_password():
    """Change your own password; your other sessions end."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        error = auth.change_password(auth.acting_user(), form.current_password.data,
                                     form.new_password.data)
        if error is None:
            flash("Your password is changed. Other browsers you were logged in on are logged out.", "success")
            return redirect(url_for("core.home"))
        form.current_password.errors.append(error)
    return render_template("core/password.html", form=form)


@bp.route("/health")
def health():
    """Report whether the database and Redis answer (for load balancers; no login)."""
    checks = {}
    try:
        db.execute_sql("SELECT 1")
        checks["database"] = "ok"
    except Exception as error:  # any failure means unhealthy; the type does not matter here
        checks["database"] = f"error: {type(error).__name__}"
    try:
        redis().ping()
        checks["redis"] = "ok"
    except Exception as error:
        checks["redis"] = f"error: {type(error).__name__}"
    healthy = all(value == "ok" for value in checks.values())
    return jsonify(status="ok" if healthy else "unhealthy", **checks), 200 if healthy else 503


@bp.route("/assets/<package>/<path:filename>")
def asset(package, filename):
    """Serve a file of an installed browser library (Leaflet and its plugins)."""
    if package not in ASSETS:
        abort(404)
    folder, allowed = ASSETS[package]
    if allowed is not None and filename not in allowed:
        abort(404)
    return send_from_directory(folder, filename, max_age=86400)

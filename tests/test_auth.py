"""Logging in and out: throttling, the audit trail, sessions that really end."""
from datetime import timedelta

from helpers import PASSWORD, csrf_token_from, login

from core.audit import AuditEvent
from core.auth import LOGIN_FAILED
from core.models import ApiToken, LoginSession, User
from core.timeutil import utcnow


def actions_for(user):
    return [e.action for e in AuditEvent.search(record_type="user", record_id=user.id).order_by(AuditEvent.id)]


def test_login_with_right_password_lands_on_home_and_is_audited(client, make_user):
    user = make_user("police")
    response = login(client, user)
    assert response.status_code == 302 and response.location == "/"
    assert "Good to see you" in client.get("/").get_data(as_text=True)
    assert actions_for(user) == ["user.create", "login.success"]
    assert User.get_by_id(user.id).last_login_at is not None


def test_unknown_email_and_wrong_password_get_the_same_message(client, make_user):
    user = make_user("police")
    unknown = login(client, "nobody@example.org").get_data(as_text=True)
    wrong = login(client, user, "not the password").get_data(as_text=True)
    assert LOGIN_FAILED in unknown and LOGIN_FAILED in wrong
    failures = AuditEvent.search(action="login.failure")
    assert {e.actor_label or e.user.email for e in failures} == {"nobody@example.org", user.email}


def test_five_wrong_passwords_lock_the_account_and_audit_six_events(client, make_user):
    user = make_user("licensing_officer")
    for _ in range(5):
        assert login(client, user, "wrong password!!").status_code == 200
    locked = User.get_by_id(user.id)
    assert locked.is_locked()
    assert locked.locked_until - utcnow() > timedelta(minutes=14)
    assert actions_for(user)[1:] == ["login.failure"] * 5 + ["login.lockout"]
    # The right password does not get in while locked, and says nothing different.
    response = login(client, user)
    assert response.status_code == 200 and LOGIN_FAILED in response.get_data(as_text=True)
    assert AuditEvent.search(user_id=user.id, action="login.failure").first().reason == "account locked"


def test_lock_expires_after_fifteen_minutes(client, make_user):
    user = make_user("police", failed_logins=5, locked_until=utcnow() - timedelta(seconds=1))
    assert login(client, user).status_code == 302
    assert User.get_by_id(user.id).failed_logins == 0


def test_session_cookie_changes_at_login_and_is_dead_after_logout(app, client, make_user):
    app.config["WTF_CSRF_ENABLED"] = True
    user = make_user("police")
    token = csrf_token_from(client.get("/login"))
    before = client.get_cookie("session").value
    client.post("/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token})
    cookie = client.get_cookie("session").value
    assert cookie != before
    home = client.get("/")
    assert home.status_code == 200
    client.post("/logout", data={"csrf_token": csrf_token_from(home)})
    assert client.get("/").status_code == 302
    # Replaying the logged-in cookie no longer works: its server-side session has ended.
    replay = app.test_client()
    replay.set_cookie("session", cookie)
    assert replay.get("/").status_code == 302
    assert "logout" in actions_for(user)


def test_deactivating_a_user_ends_their_sessions_and_tokens_at_once(client, app, make_user, log_in):
    from core import auth

    user = make_user("police")
    log_in(user)
    token = auth.issue_token(user, "records system")
    api = app.test_client()
    assert api.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    auth.set_active(user, False, by=make_user("admin"))
    assert client.get("/").status_code == 302
    assert api.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert login(app.test_client(), user).status_code == 200  # cannot log in again
    assert LoginSession.select().where(LoginSession.user == user, LoginSession.ended_at.is_null()).count() == 0
    assert ApiToken.get(ApiToken.user == user).revoked_at is None  # kept, but useless while inactive


def test_deactivated_organisation_stops_its_users(client, make_user):
    user = make_user("partner")
    user.organisation.active = False
    user.organisation.save()
    assert login(client, user).status_code == 200


def test_change_password_ends_other_sessions_but_keeps_this_one(app, client, make_user, log_in):
    user = make_user("specialist")
    other = app.test_client()
    login(other, user)
    log_in(user)
    response = client.post("/account/password", data={
        "current_password": PASSWORD, "new_password": "a much longer secret", "confirm": "a much longer secret"})
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    assert other.get("/").status_code == 302
    assert login(app.test_client(), user, "a much longer secret").status_code == 302


def test_change_password_refuses_wrong_current_and_short_new(client, make_user, log_in):
    user = make_user("police")
    log_in(user)
    page = client.post("/account/password", data={
        "current_password": "nope", "new_password": "a much longer secret", "confirm": "a much longer secret"})
    assert "Your current password is not right." in page.get_data(as_text=True)
    page = client.post("/account/password", data={
        "current_password": PASSWORD, "new_password": "short", "confirm": "short"})
    assert "Use at least 12 characters." in page.get_data(as_text=True)
    assert login(client.application.test_client(), user).status_code == 302  # unchanged


def test_login_follows_next_only_within_the_site(client, make_user):
    user = make_user("admin")
    response = client.get("/admin/users")
    assert response.location == "/login?next=/admin/users"
    response = client.post("/login?next=/admin/users", data={"email": user.email, "password": PASSWORD})
    assert response.location == "/admin/users"
    client.post("/logout")
    for target in ("https://evil.example/", "//evil.example/", "javascript:alert(1)"):
        response = client.post(f"/login?next={target}", data={"email": user.email, "password": PASSWORD})
        assert response.location == "/"
        client.post("/logout")


def test_session_cookie_flags(app, client, make_user):
    app.config["SESSION_COOKIE_SECURE"] = True
    user = make_user("police")
    response = login(client, user)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" in cookie

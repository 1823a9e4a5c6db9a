"""Who is asking: passwords, login throttling, browser sessions and bearer tokens."""
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, request, session
from flask_login import LoginManager, current_user, login_user, logout_user

from core import audit
from core.db import db
from core.models import ApiToken, LoginSession, Organisation, User
from core.timeutil import utcnow

login_manager = LoginManager()
login_manager.login_view = "core.login"
login_manager.login_message = "Please log in to see that page."
login_manager.login_message_category = "info"
login_manager.session_protection = "basic"

# One message whatever went wrong, so the form never tells an attacker which emails exist.
LOGIN_FAILED = "Those details did not work. After 5 failed attempts an account is locked for 15 minutes."

MIN_PASSWORD_LENGTH = 12


def is_api_request():
    return request.path.startswith("/api/")


_password_hasher = PasswordHasher()


def _hasher():
    return _password_hasher


def init_app(app):
    global _password_hasher
    # Tests pass cheaper argon2 parameters; production uses the library's defaults.
    _password_hasher = PasswordHasher(**app.config.get("ARGON2_PARAMS", {}))
    login_manager.init_app(app)


def hash_password(password):
    return _hasher().hash(password)


def password_problem(password):
    """Return why a new password is not acceptable, or None."""
    if len(password or "") < MIN_PASSWORD_LENGTH:
        return f"Use at least {MIN_PASSWORD_LENGTH} characters."
    return None


def check_password(user, password):
    """Verify password against user's hash, upgrading the hash when parameters changed."""
    try:
        _hasher().verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
    if _hasher().check_needs_rehash(user.password_hash):
        User.update(password_hash=hash_password(password)).where(User.id == user.id).execute()
    return True


@login_manager.user_loader
def _load_from_session(token):
    # The API answers to bearer tokens only: a browser cookie must not authorise API calls,
    # which are exempt from CSRF checks.
    if is_api_request():
        return None
    login_session = LoginSession.find_active(token)
    if login_session is None or not login_session.user.is_active:
        return None
    user = login_session.user
    user.login_session = token
    return user


@login_manager.request_loader
def _load_from_bearer(req):
    header = req.headers.get("Authorization", "")
    if not is_api_request() or not header.startswith("Bearer "):
        return None
    return ApiToken.authenticate(header[len("Bearer "):].strip())


def attempt_login(email, password):
    """Check credentials with throttling and audit; log the user in and return them, or None."""
    max_failures = current_app.config["LOGIN_MAX_FAILURES"]
    now = utcnow()
    with db.atomic():
        user = User.by_email(email)
        if user is None:
            _hasher().hash(password or "x")  # spend the same time as a real check
            audit.record("login.failure", actor_label=(email or "")[:254], reason="unknown email")
            return None
        if user.is_locked(now):
            audit.record("login.failure", user, user=user, reason="account locked")
            return None
        if not check_password(user, password):
            failures = user.failed_logins + 1
            locked_until = None
            if failures >= max_failures:
                locked_until = now + timedelta(minutes=current_app.config["LOGIN_LOCK_MINUTES"])
            User.update(failed_logins=failures, locked_until=locked_until).where(User.id == user.id).execute()
            audit.record("login.failure", user, user=user, reason="wrong password")
            if locked_until:
                audit.record("login.lockout", user, user=user,
                             reason=f"{failures} failed attempts; locked until {locked_until:%H:%M} UTC")
            return None
        if not user.is_active:
            audit.record("login.failure", user, user=user, reason="account deactivated")
            return None
        User.update(failed_logins=0, locked_until=None, last_login_at=now).where(User.id == user.id).execute()
        user.login_session = LoginSession.start(user, address=request.remote_addr)
        audit.record("login.success", user, user=user)
    # A fresh cookie at login: nothing set before authentication carries over.
    session.clear()
    login_user(user)
    return user


def logout(user):
    """End this browser's session for good: the old cookie will not work again."""
    if user.login_session:
        LoginSession.end(user.login_session)
    audit.record("logout", user, user=user)
    logout_user()
    session.clear()


def change_password(user, current, new):
    """Change user's own password; other browsers are logged out. Returns an error or None."""
    if not check_password(user, current):
        audit.record("password.change_failed", user, user=user)
        return "Your current password is not right."
    problem = password_problem(new)
    if problem:
        return problem
    with db.atomic():
        User.update(password_hash=hash_password(new)).where(User.id == user.id).execute()
        LoginSession.end_all_for(user, except_token=user.login_session)
        audit.record("password.change", user, user=user)
    return None


def create_user(email, name, organisation, role, password, by=None):
    """Create a user account and audit it."""
    with db.atomic():
        user = User.create(email=email.strip().lower(), name=name.strip(), organisation=organisation,
                           role=role, password_hash=hash_password(password))
        audit.record("user.create", user, user=by, reason=f"role {role} at {organisation.name}")
    return user


def update_user(user, by=None, **changes):
    """Change a user's details, auditing what changed; a role or organisation change ends sessions."""
    before = {name: getattr(user, name) for name in changes}
    for name, value in changes.items():
        setattr(user, name, value)
    changed = [name for name in changes if before[name] != getattr(user, name)]
    if not changed:
        return user
    with db.atomic():
        user.save()
        detail = "; ".join(f"{name}: {_label(before[name])} -> {_label(getattr(user, name))}"
                           for name in changed)
        audit.record("user.role_change" if {"role", "organisation"} & set(changed) else "user.update",
                     user, user=by, reason=detail)
        if {"role", "organisation", "active"} & set(changed):
            LoginSession.end_all_for(user)
    return user


def set_active(user, active, by=None):
    """Deactivate (ending every session at once) or reactivate a user."""
    with db.atomic():
        User.update(active=active).where(User.id == user.id).execute()
        if not active:
            LoginSession.end_all_for(user)
        audit.record("user.reactivate" if active else "user.deactivate", user, user=by)


def unlock(user, by=None):
    User.update(failed_logins=0, locked_until=None).where(User.id == user.id).execute()
    audit.record("user.unlock", user, user=by)


def reset_password(user, new, by=None):
    """An admin sets a new password; the user's sessions end."""
    with db.atomic():
        User.update(password_hash=hash_password(new), failed_logins=0, locked_until=None).where(
            User.id == user.id).execute()
        LoginSession.end_all_for(user)
        audit.record("user.password_reset", user, user=by)


def issue_token(user, name, by=None):
    """Issue an API token for user; returns the plain token, which is shown once."""
    with db.atomic():
        record, token = ApiToken.issue(user, name, created_by=by)
        audit.record("token.issue", record, user=by, reason=f"for {user.email}: {name}")
    return token


def revoke_token(token_record, by=None):
    with db.atomic():
        ApiToken.update(revoked_at=utcnow()).where(
            (ApiToken.id == token_record.id) & ApiToken.revoked_at.is_null()).execute()
        audit.record("token.revoke", token_record, user=by, reason=f"for {token_record.user.email}")


def _label(value):
    if isinstance(value, Organisation):
        return value.name
    return value


def acting_user():
    """The logged-in user as a User, not Flask-Login's proxy: what workflow functions record and store."""
    return current_user._get_current_object()

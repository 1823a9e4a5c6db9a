"""Who may use which endpoint: the one table of rules, enforced before every request.

Every endpoint the app serves must appear in RULES. An endpoint without a rule is refused
(and tests/test_permissions.py fails), so no route can forget its check.
"""
from flask import abort, current_app, jsonify, redirect, request, url_for
from flask_login import current_user

PUBLIC = "public"          # anyone, logged in or not
LOGGED_IN = "logged_in"    # any active user

ADMIN = frozenset({"admin"})
CASEWORK = frozenset({"police", "specialist"})
LICENSING = frozenset({"licensing_officer"})
MANAGERS = frozenset({"manager"})
STAFF = frozenset({"police", "specialist", "licensing_officer"})
# Everyone who works for an organisation's casework: all roles but a plain administrator.
MEMBERS = frozenset({"police", "specialist", "licensing_officer", "partner", "manager"})

RULES = {
    # core: sign-in, home, health, static files
    "static": PUBLIC,
    "bootstrap.static": PUBLIC,
    "core.health": PUBLIC,
    "core.login": PUBLIC,
    "core.logout": LOGGED_IN,
    "core.home": LOGGED_IN,
    "core.change_password": LOGGED_IN,
    # administration
    "admin.organisations": ADMIN,
    "admin.organisation_new": ADMIN,
    "admin.organisation_edit": ADMIN,
    "admin.users": ADMIN,
    "admin.user_new": ADMIN,
    "admin.user_edit": ADMIN,
    "admin.user_active": ADMIN,
    "admin.user_unlock": ADMIN,
    "admin.tokens": ADMIN,
    "admin.token_new": ADMIN,
    "admin.token_revoke": ADMIN,
    "admin.audit": ADMIN,
    # follow-ups: the organisation's inbox and what it sent; delivery operations for administrators
    "followups.inbox": MEMBERS,
    "followups.item": MEMBERS,
    "followups.acknowledge": MEMBERS,
    "followups.sent": MEMBERS,
    "followups.operations": ADMIN,
    "followups.admin_item": ADMIN,
    "followups.retry": ADMIN,
    "followups.delivery_settings": ADMIN,
    # JSON API (bearer tokens)
    "api.me": LOGGED_IN,
    "api.organisations": LOGGED_IN,
    "followups_api.inbox": MEMBERS,
    "followups_api.acknowledge": MEMBERS,
}


def rule_for(endpoint):
    return RULES.get(endpoint)


def allows(rule, user):
    """Whether user (possibly anonymous) passes rule."""
    if rule == PUBLIC:
        return True
    if not user.is_authenticated:
        return False
    if rule == LOGGED_IN:
        return True
    return bool(user.roles & rule)


def can(endpoint):
    """Whether the current user may use endpoint: for showing links; the server check is enforce()."""
    rule = rule_for(endpoint)
    return rule is not None and allows(rule, current_user)


def enforce():
    """before_request hook: refuse what the table does not allow."""
    if request.endpoint is None:
        return None  # 404 or 405: let routing answer
    rule = rule_for(request.endpoint)
    if rule is None:
        current_app.logger.error("No permission rule for endpoint %s: refused", request.endpoint)
        abort(403)
    if allows(rule, current_user):
        return None
    if not current_user.is_authenticated:
        if request.path.startswith("/api/"):
            response = jsonify(error={"code": "unauthorised",
                                      "message": "Send a valid token as 'Authorization: Bearer <token>'.",
                                      "fields": {}})
            response.status_code = 401
            response.headers["WWW-Authenticate"] = "Bearer"
            return response
        return redirect(url_for("core.login", next=request.full_path.rstrip("?")))
    abort(403)


def require_own_organisation(record, field="organisation"):
    """Object-level check: 403 unless record belongs to the current user's organisation."""
    if getattr(record, f"{field}_id") != current_user.organisation_id:
        abort(403)
    return record

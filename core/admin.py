"""Administration: organisations, users, API tokens and the audit log."""
from datetime import timedelta

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from playhouse.flask_utils import get_object_or_404

from core import audit, auth
from core.forms import AuditFilterForm, ConfirmForm, OrganisationForm, TokenForm, UserForm
from core.models import ORGANISATION_KINDS, ROLES, ApiToken, Organisation, User
from core.home import Panel, home_panel
from core.navigation import nav_link
from core.timeutil import format_local, london_day_start, utcnow
from core.web import csv_response, paginate, wants_csv

bp = Blueprint("admin", __name__, url_prefix="/admin")

nav_link("admin.users", "Users")
nav_link("admin.organisations", "Organisations")
nav_link("admin.tokens", "API tokens")
nav_link("admin.audit", "Audit log")


@home_panel("admin")
def locked_accounts(user):
    """Accounts locked after failed logins: someone may be locked out, or someone may be guessing."""
    locked = User.select().where(User.locked_until > utcnow()).order_by(User.locked_until.desc())
    return Panel(title="Locked accounts",
                 items=[(f"{u.name} ({u.email}), locked until {format_local(u.locked_until)}",
                         url_for("admin.user_edit", user_id=u.id)) for u in locked.limit(10)],
                 empty="No account is locked.", more_url=url_for("admin.audit", action="login.lockout"))


@home_panel("admin")
def recent_login_failures(user):
    since = utcnow() - timedelta(hours=24)
    failures = audit.AuditEvent.search(action="login.failure", since=since)
    count = failures.count()
    return Panel(title="Failed logins in the last 24 hours",
                 items=[(f"{count} failed login{'s' if count != 1 else ''}", url_for("admin.audit", action="login.failure"))]
                 if count else [],
                 empty="No failed logins.")


@bp.route("/organisations")
def organisations():
    """List organisations, with search and CSV export."""
    query = Organisation.search(q=request.args.get("q"), kind=request.args.get("kind"))
    if wants_csv():
        return csv_response("organisations", ["id", "name", "kind", "active"], query,
                            lambda o: [o.id, o.name, o.kind, o.active])
    return render_template("admin/organisations.html", page=paginate(query), kinds=ORGANISATION_KINDS)


@bp.route("/organisations/new", methods=["GET", "POST"])
def organisation_new():
    """Create an organisation."""
    form = OrganisationForm()
    if form.validate_on_submit():
        organisation = Organisation.create(name=form.name.data, kind=form.kind.data, active=form.active.data)
        audit.record("organisation.create", organisation, reason=f"{organisation.name} ({organisation.kind})")
        flash(f"Created {organisation.name}.", "success")
        return redirect(url_for("admin.organisations"))
    return render_template("admin/form.html", form=form, title="New organisation")


@bp.route("/organisations/<int:organisation_id>", methods=["GET", "POST"])
def organisation_edit(organisation_id):
    """Edit an organisation; deactivating it stops its users from signing in."""
    organisation = get_object_or_404(Organisation, Organisation.id == organisation_id)
    form = OrganisationForm(obj=organisation, organisation=organisation)
    if form.validate_on_submit():
        before = (organisation.name, organisation.kind, organisation.active)
        form.populate_obj(organisation)
        organisation.save()
        audit.record("organisation.update", organisation,
                     reason=f"{before} -> {(organisation.name, organisation.kind, organisation.active)}")
        flash(f"Saved {organisation.name}.", "success")
        return redirect(url_for("admin.organisations"))
    return render_template("admin/form.html", form=form, title=f"Edit {organisation.name}")


@bp.route("/users")
def users():
    """List users with search, filters and CSV export."""
    active = {"yes": True, "no": False}.get(request.args.get("active", ""))
    query = User.search(q=request.args.get("q"), role=request.args.get("role"),
                        organisation_id=request.args.get("organisation", type=int), active=active)
    if wants_csv():
        return csv_response("users", ["id", "name", "email", "organisation", "role", "active", "last login"],
                            query, lambda u: [u.id, u.name, u.email, u.organisation.name, u.role, u.active,
                                              format_local(u.last_login_at)])
    return render_template("admin/users.html", page=paginate(query), roles=ROLES,
                           organisations=Organisation.search(), confirm=ConfirmForm())


@bp.route("/users/new", methods=["GET", "POST"])
def user_new():
    """Create a user."""
    form = UserForm()
    if form.validate_on_submit():
        user = auth.create_user(form.email.data, form.name.data, Organisation.get_by_id(form.organisation.data),
                                form.role.data, form.new_password.data, by=auth.acting_user())
        flash(f"Created an account for {user.name}.", "success")
        return redirect(url_for("admin.users"))
    return render_template("admin/form.html", form=form, title="New user")


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
def user_edit(user_id):
    """Edit a user's details, role or password."""
    user = get_object_or_404(User, User.id == user_id)
    form = UserForm(obj=user, user=user)
    if request.method == "GET":
        form.organisation.data = user.organisation_id
    if form.validate_on_submit():
        auth.update_user(user, by=auth.acting_user(), name=form.name.data, email=form.email.data,
                         organisation=Organisation.get_by_id(form.organisation.data), role=form.role.data)
        if form.new_password.data:
            auth.reset_password(user, form.new_password.data, by=auth.acting_user())
        flash(f"Saved {user.name}.", "success")
        return redirect(url_for("admin.users"))
    return render_template("admin/form.html", form=form, title=f"Edit {user.name}", user=user,
                           confirm=ConfirmForm())


@bp.route("/users/<int:user_id>/active", methods=["POST"])
def user_active(user_id):
    """Deactivate a user (ending their sessions and tokens at once) or reactivate them."""
    user = get_object_or_404(User, User.id == user_id)
    if ConfirmForm().validate_on_submit():
        if user.id == current_user.id:
            flash("You cannot deactivate your own account.", "warning")
        else:
            auth.set_active(user, not user.active, by=auth.acting_user())
            flash(f"{user.name} is {'reactivated' if not user.active else 'deactivated; their sessions have ended'}.",
                  "success")
    return redirect(url_for("admin.user_edit", user_id=user.id))


@bp.route("/users/<int:user_id>/unlock", methods=["POST"])
def user_unlock(user_id):
    """Lift a login lock early."""
    user = get_object_or_404(User, User.id == user_id)
    if ConfirmForm().validate_on_submit():
        auth.unlock(user, by=auth.acting_user())
        flash(f"{user.name} can log in again.", "success")
    return redirect(url_for("admin.user_edit", user_id=user.id))


@bp.route("/tokens")
def tokens():
    """List API tokens."""
    return render_template("admin/tokens.html", page=paginate(ApiToken.listing()), confirm=ConfirmForm())


@bp.route("/tokens/new", methods=["GET", "POST"])
def token_new():
    """Issue an API token, shown once."""
    form = TokenForm()
    if form.validate_on_submit():
        user = get_object_or_404(User, User.id == form.user.data)
        token = auth.issue_token(user, form.name.data, by=auth.acting_user())
        return render_template("admin/token_issued.html", token=token, user=user)
    return render_template("admin/form.html", form=form, title="Issue an API token")


@bp.route("/tokens/<int:token_id>/revoke", methods=["POST"])
def token_revoke(token_id):
    """Revoke an API token; it stops working at once."""
    token = get_object_or_404(ApiToken.select(ApiToken, User).join(User, on=ApiToken.user),
                              ApiToken.id == token_id)
    if ConfirmForm().validate_on_submit():
        auth.revoke_token(token, by=auth.acting_user())
        flash(f"Token {token.prefix}… for {token.user.email} is revoked.", "success")
    return redirect(url_for("admin.tokens"))


@bp.route("/audit", endpoint="audit")
def audit_log():
    """Filter the audit log; export the filtered entries as CSV."""
    form = AuditFilterForm(request.args)
    query = audit.AuditEvent.search()
    if form.validate():
        query = audit.AuditEvent.search(
            user_email=form.user.data or None, organisation_id=form.organisation.data,
            action=form.action.data or None, record_type=form.record_type.data or None,
            record_id=int(form.record_id.data) if form.record_id.data else None,
            since=london_day_start(form.since.data) if form.since.data else None,
            until=london_day_start(form.until.data + timedelta(days=1)) if form.until.data else None)
    if wants_csv():
        return csv_response("audit", ["time (UTC)", "user", "organisation", "action", "record type",
                                      "record id", "reason", "recipients", "address"], query,
                            lambda e: [e.at.isoformat(" ", "seconds"), e.user.email if e.user else (e.actor_label or "system"),
                                       e.organisation.name if e.organisation else "", e.action, e.record_type,
                                       e.record_id, e.reason, ",".join(map(str, e.recipient_ids)), e.address])
    return render_template("admin/audit.html", form=form, page=paginate(query))


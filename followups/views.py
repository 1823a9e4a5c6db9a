"""Pages: the organisation's inbox, what it has sent, and the administrators' delivery operations."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from playhouse.flask_utils import get_object_or_404

from core.auth import acting_user
from core import audit
from core.forms import ConfirmForm
from core.home import Panel, home_panel
from core.models import Organisation
from core.navigation import nav_link
from core.queue import queue
from core.timeutil import format_local
from core.web import csv_response, paginate, wants_csv
from followups import outbox
from followups.forms import DeliverySettingsForm, new_webhook_secret
from followups.models import DeliverySettings, FollowUp, FollowUpEvent

bp = Blueprint("followups", __name__)

nav_link("followups.inbox", "Inbox", badge=lambda user: FollowUp.unacknowledged_count(user))
nav_link("followups.sent", "Sent")
nav_link("followups.operations", "Deliveries")

STATES = {"unacknowledged": True, "acknowledged": False, "all": None}
CSV_HEADER = ["id", "kind", "subject", "from", "to", "record type", "record id", "created", "due",
              "status", "acknowledged", "acknowledged by"]


def _csv_row(followup):
    return [followup.id, followup.kind, followup.subject, followup.sender.name if followup.sender_id else "system",
            followup.recipient.name, followup.record_type, followup.record_id, format_local(followup.created_at),
            followup.due_on, followup.status, format_local(followup.acknowledged_at),
            followup.acknowledged_by.name if followup.acknowledged_by_id else ""]


def _own_inbox_item(followup_id):
    """The follow-up if it is in the current user's organisation's inbox; 404 otherwise."""
    followup = get_object_or_404(FollowUp, FollowUp.id == followup_id)
    visible = (followup.recipient_id == current_user.organisation_id and followup.inbox_at is not None
               and (not followup.for_managers or "manager" in current_user.roles))
    if not visible:
        abort(404)
    return followup


@home_panel("licensing_officer", "police", "specialist", "partner", "manager")
def inbox_panel(user):
    waiting = FollowUp.inbox(user.organisation, user, unacknowledged=True)
    return Panel(title="Inbox: waiting for acknowledgement",
                 items=[(f"{'OVERDUE · ' if f.is_overdue else ''}{f.subject}",
                         url_for("followups.item", followup_id=f.id)) for f in waiting.limit(5)],
                 empty="Everything in your inbox is acknowledged.", more_url=url_for("followups.inbox"))


@bp.route("/inbox")
def inbox():
    """List the organisation's follow-ups, unacknowledged first; filter, search, export."""
    state = request.args.get("state", "all")
    query = FollowUp.inbox(current_user.organisation, acting_user(), unacknowledged=STATES.get(state),
                           kind=request.args.get("kind") or None, q=request.args.get("q") or None)
    if wants_csv():
        return csv_response("inbox", CSV_HEADER, query, _csv_row)
    kinds = [row[0] for row in FollowUp.select(FollowUp.kind).where(
        FollowUp.recipient == current_user.organisation_id).distinct().tuples()]
    return render_template("followups/inbox.html", page=paginate(query), state=state, kinds=sorted(kinds),
                           confirm=ConfirmForm())


@bp.route("/inbox/<int:followup_id>")
def item(followup_id):
    """Show one follow-up in the inbox with its history."""
    followup = _own_inbox_item(followup_id)
    audit.record("followup.read", followup)
    return render_template("followups/item.html", followup=followup, events=followup.events.order_by(
        FollowUpEvent.at, FollowUpEvent.id), confirm=ConfirmForm(), inbox_view=True)


@bp.route("/inbox/<int:followup_id>/ack", methods=["POST"])
def acknowledge(followup_id):
    """Acknowledge a follow-up for the organisation."""
    followup = _own_inbox_item(followup_id)
    if ConfirmForm().validate_on_submit():
        outbox.acknowledge(followup, acting_user())
        flash(f"Acknowledged: {followup.subject}", "success")
    return redirect(request.form.get("next") if request.form.get("next", "").startswith("/inbox")
                    else url_for("followups.inbox"))


@bp.route("/followups/sent")
def sent():
    """List what the organisation has sent, with delivery and acknowledgement."""
    query = FollowUp.sent_by_organisation(current_user.organisation_id, state=request.args.get("state") or None)
    if wants_csv():
        return csv_response("sent-followups", CSV_HEADER, query, _csv_row)
    return render_template("followups/sent.html", page=paginate(query))


@bp.route("/admin/followups")
def operations():
    """Show queue depth, follow-ups by status, the oldest undelivered, and failed deliveries."""
    try:
        depth = queue().count
    except Exception as error:  # the page must still show the database side when Redis is down
        depth = f"unavailable ({type(error).__name__})"
    settings = {s.organisation_id: s for s in DeliverySettings.select()}
    return render_template("followups/operations.html", depth=depth, counts=FollowUp.counts_by_status(),
                           oldest=FollowUp.oldest_undelivered(), failed=paginate(FollowUp.failed()),
                           organisations=Organisation.search(), settings=settings, confirm=ConfirmForm())


@bp.route("/admin/followups/<int:followup_id>")
def admin_item(followup_id):
    """Show any follow-up with its delivery history (administrators)."""
    followup = get_object_or_404(FollowUp, FollowUp.id == followup_id)
    audit.record("followup.read", followup)
    return render_template("followups/item.html", followup=followup, events=followup.events.order_by(
        FollowUpEvent.at, FollowUpEvent.id), confirm=ConfirmForm(), inbox_view=False)


@bp.route("/admin/followups/<int:followup_id>/retry", methods=["POST"])
def retry(followup_id):
    """Send a failed follow-up round again."""
    followup = get_object_or_404(FollowUp, FollowUp.id == followup_id)
    if followup.status != "failed":
        flash("Only failed follow-ups can be retried; this one is " + followup.status + ".", "warning")
    elif ConfirmForm().validate_on_submit():
        outbox.retry_failed(followup, acting_user())
        flash(f"Follow-up {followup.id} is queued again.", "success")
    return redirect(url_for("followups.operations"))


@bp.route("/admin/organisations/<int:organisation_id>/delivery", methods=["GET", "POST"])
def delivery_settings(organisation_id):
    """Set where an organisation receives follow-ups besides its inbox."""
    organisation = get_object_or_404(Organisation, Organisation.id == organisation_id)
    settings = DeliverySettings.for_organisation(organisation.id) or DeliverySettings(organisation=organisation)
    form = DeliverySettingsForm(obj=settings)
    new_secret = None
    if form.validate_on_submit():
        settings.email = form.email.data or None
        settings.webhook_url = form.webhook_url.data or None
        if form.new_secret.data or (settings.webhook_url and not settings.webhook_secret):
            settings.webhook_secret = new_secret = new_webhook_secret()
        settings.save()
        audit.record("organisation.delivery_settings", organisation,
                     reason=f"email={settings.email or '-'} webhook={settings.webhook_url or '-'}"
                            + ("; new signing secret" if new_secret else ""))
        flash(f"Delivery settings saved for {organisation.name}.", "success")
        if not new_secret:
            return redirect(url_for("followups.operations"))
    return render_template("followups/delivery_settings.html", form=form, organisation=organisation,
                           new_secret=new_secret, has_secret=bool(settings.webhook_secret))

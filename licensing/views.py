"""Pages for licensing: the review queue, licences, flags, recommendations, hearings and decisions."""
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from peewee import fn
from playhouse.flask_utils import get_object_or_404

from core.auth import acting_user
from core import audit
from core.errors import WorkflowError
from core.models import Organisation
from core.home import Panel, home_panel
from core.navigation import nav_link
from core.permissions import require_own_organisation
from core.timeutil import format_local, london_to_utc, utcnow
from core.web import csv_response, paginate, wants_csv
from core.workdays import add_working_days, working_days_between
from followups.models import FollowUp
from licensing import duties, workflow
from licensing.forms import (CloseFlagForm, DecisionForm, FlagForm, HearingForm, HearingRecordForm, LicenceForm,
                             RecommendationForm, StatusForm)
from licensing.models import (FLAG_CATEGORIES, LICENCE_ACTIONS, LICENCE_STATUSES, QUEUE_SORTS, Flag,
                              HearingInvitation, HearingLicence, Licence, LicenceEvent, PanelHearing, Recommendation,
                              open_recommendations, review_queue, sees_concerns)
from records.models import Person, Vehicle
from records.normalise import registration

bp = Blueprint("licensing", __name__)

nav_link("licensing.queue", "Review queue")
nav_link("licensing.licences", "Licences")
nav_link("licensing.hearings", "Hearings")


def _own_licence(licence_id):
    """A licence of the current user's own licensing authority (403 for another authority's)."""
    return require_own_organisation(get_object_or_404(Licence, Licence.id == licence_id), field="authority")


def days_left(due_on):
    return working_days_between(workflow.today(), due_on) if due_on else None


@home_panel("licensing_officer", order=0)  # the review queue is the licensing officer's first concern
def queue_panel(user):
    rows = list(review_queue(user.organisation_id).limit(10))
    return Panel(title="Review queue: flagged licences",
                 items=[(f"{row.holder.name} · {row.number} · {row.open_flags} open flag(s)"
                         + (f" · decision due {row.next_due:%d %b}" if row.next_due else ""),
                         url_for("licensing.licence", licence_id=row.id)) for row in rows],
                 empty="No flagged licences are waiting for review.", more_url=url_for("licensing.queue"))


@home_panel("licensing_officer", "police", "specialist")
def overdue_recommendations_panel(user):
    overdue = (Recommendation.undecided().join(Licence).where(
        (Licence.authority == user.organisation_id) | (Recommendation.organisation == user.organisation_id))
        .where(Recommendation.due_on < workflow.today()).order_by(Recommendation.due_on))
    return Panel(title="Recommendations past their decision date",
                 items=[(f"Licence {r.licence.number}: {r.action_label.lower()}, due {r.due_on:%d %b %Y}",
                         url_for("licensing.recommendation", recommendation_id=r.id)) for r in overdue.limit(10)],
                 empty="No recommendation is overdue.")


@bp.route("/licensing/queue")
def queue():
    """Show the authority's review queue of flagged licences, sortable, filterable and exportable."""
    sort = request.args.get("sort", "due")
    query = review_queue(current_user.organisation_id, sort=sort, status=request.args.get("status") or None,
                         category=request.args.get("category") or None, q=request.args.get("q") or None)
    if wants_csv():
        return csv_response("review-queue", ["holder", "licence", "kind", "status", "open flags", "last flagged",
                                             "decision due", "working days left"], query,
                            lambda r: [r.holder.name, r.number, r.kind, r.status, r.open_flags,
                                       r.last_flagged, r.next_due, days_left(r.next_due)])
    page = paginate(query)
    return render_template("licensing/queue.html", page=page, sorts=QUEUE_SORTS, sort=sort,
                           statuses=LICENCE_STATUSES, categories=FLAG_CATEGORIES, days_left=days_left,
                           open_recommendations=open_recommendations(row.id for row in page.items),
                           clocks=duties.open_clocks(current_user.organisation_id, [row.id for row in page.items]))


@bp.route("/licences")
def licences():
    """Search licences by holder name, licence number or registration."""
    q = request.args.get("q") or None
    query = Licence.search_for(current_user, q=q, status=request.args.get("status") or None,
                               flagged=True if request.args.get("flagged") == "true" else None)
    if q:
        audit.record("licence.search", reason=q)  # the results name people
    if wants_csv():
        return csv_response("licences", ["number", "kind", "holder", "authority", "status", "granted", "expires",
                                         "vehicle"], query,
                            lambda l: [l.number, l.kind, l.holder.name, l.authority.name, l.status, l.granted_on,
                                       l.expires_on, l.vehicle.registration if l.vehicle_id else ""])
    return render_template("licensing/licences.html", page=paginate(query), statuses=LICENCE_STATUSES)


@bp.route("/licences/new", methods=["GET", "POST"])
def licence_new():
    """Add a licence to your authority's register."""
    form = LicenceForm(authority=current_user.organisation_id, holder_id=request.args.get("holder", type=int))
    if form.validate_on_submit():
        vehicle = Vehicle.get_or_none(Vehicle.registration == registration(form.vehicle_registration.data)) \
            if form.vehicle_registration.data else None
        licence = workflow.create_licence(
            acting_user(), kind=form.kind.data, number=form.number.data, holder=form.holder_id.data,
            authority=current_user.organisation_id, status=form.status.data, granted_on=form.granted_on.data,
            expires_on=form.expires_on.data, vehicle=vehicle, conditions=form.conditions.data or "",
            dbs_checked_on=form.dbs_checked_on.data, dbs_update_service=form.dbs_update_service.data)
        flash(f"Added licence {licence.number}.", "success")
        return redirect(url_for("licensing.licence", licence_id=licence.id))
    return render_template("licensing/form.html", form=form, title="Add a licence")


@bp.route("/licences/<int:licence_id>")
def licence(licence_id):
    """Show a licence: holder, history, flags, recommendations, hearings."""
    licence = get_object_or_404(Licence, Licence.id == licence_id)
    audit.record("licence.read", licence)
    own = licence.authority_id == current_user.organisation_id
    concerns = sees_concerns(current_user, licence)
    return render_template(
        "licensing/licence.html", licence=licence, own=own, concerns=concerns,
        history=licence.history.order_by(LicenceEvent.at, LicenceEvent.id),
        flags=licence.flags.order_by(Flag.raised_at.desc()) if concerns else [],
        recommendations=licence.recommendations.order_by(Recommendation.created_at.desc()) if concerns else [],
        hearings=PanelHearing.select().join(HearingLicence).where(HearingLicence.licence == licence)
        .order_by(PanelHearing.starts_at.desc()),
        status_form=StatusForm(licence=licence) if own else None, days_left=days_left,
        clocks=duties.clocks_for_licence(licence) if own else [])


@bp.route("/licences/<int:licence_id>/status", methods=["POST"])
def licence_status(licence_id):
    """Change a licence's status through the workflow, with a reason."""
    licence = _own_licence(licence_id)
    form = StatusForm(licence=licence)
    if form.validate_on_submit():
        try:
            workflow.change_status(licence, form.status.data, form.reason.data, acting_user())
            flash(f"Licence {licence.number} is now {licence.status}.", "success")
        except WorkflowError as error:
            flash(str(error), "danger")
    else:
        flash("Give a reason for the change.", "danger")
    return redirect(url_for("licensing.licence", licence_id=licence.id))


@bp.route("/licences/<int:licence_id>/flags/new", methods=["GET", "POST"])
def flag_new(licence_id):
    """Flag a concern about a licence; it enters the authority's review queue at once."""
    licence = get_object_or_404(Licence, Licence.id == licence_id)
    form = FlagForm()
    if form.validate_on_submit():
        workflow.raise_flag(licence, form.category.data, form.summary.data, acting_user())
        flash(f"Flag raised. {licence.authority.name} has it in their review queue.", "success")
        return redirect(url_for("licensing.licence", licence_id=licence.id))
    return render_template("licensing/form.html", form=form, title=f"Flag licence {licence.number}",
                           licence=licence)


@bp.route("/people/<int:person_id>/flag", methods=["GET", "POST"])
def holder_flag(person_id):
    """Flag a licence holder: every live licence they hold gets the flag, in each issuing authority's queue."""
    person = get_object_or_404(Person, Person.id == person_id)
    form = FlagForm()
    if form.validate_on_submit():
        try:
            flags = workflow.flag_holder(person, form.category.data, form.summary.data, acting_user())
        except WorkflowError as error:
            flash(str(error), "danger")
        else:
            flash(f"Flag raised on {len(flags)} licence(s) held by {person.name}.", "success")
            return redirect(url_for("records.person", person_id=person.id))
    return render_template("licensing/form.html", form=form, title=f"Flag licence holder {person.name}")


@bp.route("/flags/<int:flag_id>")
def flag(flag_id):
    """Show a flag (an audited read)."""
    flag = get_object_or_404(Flag, Flag.id == flag_id)
    if not sees_concerns(current_user, flag.licence):
        abort(403)
    audit.record("flag.read", flag)
    own = flag.licence.authority_id == current_user.organisation_id
    return render_template("licensing/flag.html", flag=flag, close_form=CloseFlagForm() if own else None)


@bp.route("/flags/<int:flag_id>/close", methods=["POST"])
def flag_close(flag_id):
    """Close a flag once it has been dealt with, saying how."""
    flag = get_object_or_404(Flag, Flag.id == flag_id)
    require_own_organisation(flag.licence, field="authority")
    form = CloseFlagForm()
    if form.validate_on_submit():
        try:
            workflow.close_flag(flag, form.reason.data, acting_user())
            flash("Flag closed.", "success")
        except WorkflowError as error:
            flash(str(error), "danger")
    return redirect(url_for("licensing.flag", flag_id=flag.id))


@bp.route("/licences/<int:licence_id>/recommend", methods=["GET", "POST"])
def recommendation_new(licence_id):
    """Recommend an action to the licensing authority, naming who must hear the outcome."""
    licence = get_object_or_404(Licence, Licence.id == licence_id)
    form = RecommendationForm(exclude=(current_user.organisation_id, licence.authority_id))
    if request.method == "GET":
        form.due_in_working_days.data = current_app.config["RECOMMENDATION_DUE_WORKING_DAYS"]
    if form.validate_on_submit():
        try:
            recommendation = workflow.recommend(
                licence, form.action.data, form.grounds.data, form.partners.data, acting_user(),
                due_on=add_working_days(workflow.today(), form.due_in_working_days.data))
        except WorkflowError as error:
            flash(str(error), "danger")
        else:
            flash(f"Recommendation sent to {licence.authority.name}; a decision is due by "
                  f"{recommendation.due_on:%d %B %Y}.", "success")
            return redirect(url_for("licensing.recommendation", recommendation_id=recommendation.id))
    return render_template("licensing/form.html", form=form, title=f"Recommend action on licence {licence.number}",
                           licence=licence)


@bp.route("/recommendations/<int:recommendation_id>")
def recommendation(recommendation_id):
    """Show a recommendation, its decision, and every delivery and acknowledgement of the outcome."""
    recommendation = get_object_or_404(Recommendation, Recommendation.id == recommendation_id)
    licence = recommendation.licence
    if not sees_concerns(current_user, licence):
        abort(403)
    audit.record("recommendation.read", recommendation)
    can_decide = licence.authority_id == current_user.organisation_id and recommendation.decision is None
    return render_template("licensing/recommendation.html", recommendation=recommendation, licence=licence,
                           decision=recommendation.decision, can_decide=can_decide,
                           deliveries=FollowUp.about("recommendation", recommendation.id),
                           licence_actions=LICENCE_ACTIONS, days_left=days_left)


@bp.route("/recommendations/<int:recommendation_id>/decide", methods=["GET", "POST"])
def decision_new(recommendation_id):
    """Record the authority's decision; the outcome goes to the recommender and every named partner."""
    recommendation = get_object_or_404(Recommendation, Recommendation.id == recommendation_id)
    require_own_organisation(recommendation.licence, field="authority")
    if recommendation.decision is not None:
        flash("This recommendation has already been decided.", "warning")
        return redirect(url_for("licensing.recommendation", recommendation_id=recommendation.id))
    form = DecisionForm()
    if form.validate_on_submit():
        try:
            workflow.decide(recommendation, form.outcome.data, form.licence_action.data, form.reasons.data,
                            acting_user())
        except WorkflowError as error:
            flash(str(error), "danger")
        else:
            flash("Decision recorded. The outcome is on its way to every partner named.", "success")
            return redirect(url_for("licensing.recommendation", recommendation_id=recommendation.id))
    return render_template("licensing/form.html", form=form, title=f"Decide: {recommendation.action_label}, "
                                                                    f"licence {recommendation.licence.number}",
                           recommendation=recommendation)


@bp.route("/hearings")
def hearings():
    """List panel hearings: your authority's, or those your organisation is invited to."""
    heard = HearingLicence.select(fn.COUNT(HearingLicence.id)).where(HearingLicence.hearing == PanelHearing.id)
    query = (PanelHearing.select(PanelHearing, Organisation, heard.alias("licence_count"))
             .join(Organisation, on=(PanelHearing.authority == Organisation.id))
             .order_by(PanelHearing.starts_at.desc()))
    if current_user.organisation.kind == "licensing":
        query = query.where(PanelHearing.authority == current_user.organisation_id)
    else:
        query = query.switch(PanelHearing).join(HearingInvitation).where(
            HearingInvitation.organisation == current_user.organisation_id)
    return render_template("licensing/hearings.html", page=paginate(query))


@bp.route("/hearings/new", methods=["GET", "POST"])
def hearing_new():
    """Schedule a panel hearing; police and the specialist team are invited when a licence is flagged."""
    form = HearingForm(authority=current_user.organisation, licences=request.args.getlist("licence", type=int))
    if form.validate_on_submit():
        licences = list(Licence.select().where(Licence.id.in_(form.licences.data)
                                               & (Licence.authority == current_user.organisation_id)))
        try:
            hearing = workflow.schedule_hearing(current_user.organisation, london_to_utc(form.starts_at.data),
                                                form.venue.data or "", licences, form.invite.data, acting_user())
        except WorkflowError as error:
            flash(str(error), "danger")
        else:
            flash(f"Hearing scheduled; {hearing.invitations.count()} organisation(s) invited.", "success")
            return redirect(url_for("licensing.hearing", hearing_id=hearing.id))
    return render_template("licensing/form.html", form=form, title="Schedule a panel hearing")


def _visible_hearing(hearing_id):
    hearing = get_object_or_404(PanelHearing, PanelHearing.id == hearing_id)
    invited = {i.organisation_id for i in hearing.invitations}
    if current_user.organisation_id != hearing.authority_id and current_user.organisation_id not in invited:
        abort(403)
    return hearing


@bp.route("/hearings/<int:hearing_id>")
def hearing(hearing_id):
    """Show a hearing: licences, invitations and attendance, minutes and decisions."""
    hearing = _visible_hearing(hearing_id)
    return render_template("licensing/hearing.html", hearing=hearing,
                           licences=[link.licence for link in hearing.licence_links],
                           own=hearing.authority_id == current_user.organisation_id)


@bp.route("/hearings/<int:hearing_id>/record", methods=["GET", "POST"])
def hearing_record(hearing_id):
    """Record attendance, minutes and the decisions taken at a hearing."""
    hearing = require_own_organisation(get_object_or_404(PanelHearing, PanelHearing.id == hearing_id),
                                       field="authority")
    form = HearingRecordForm(obj=hearing, hearing=hearing)
    if request.method == "GET":
        form.attended.data = [i.organisation_id for i in hearing.invitations if i.attended]
    if form.validate_on_submit():
        workflow.record_hearing(hearing, form.attended.data, form.minutes.data or "", form.decisions.data or "",
                                acting_user())
        flash("The record of the hearing is saved.", "success")
        return redirect(url_for("licensing.hearing", hearing_id=hearing.id))
    return render_template("licensing/form.html", form=form, title="Record the hearing")


@bp.route("/hearings/<int:hearing_id>/pack")
def hearing_pack(hearing_id):
    """Print the hearing pack: each licence with its history, flags, recommendations and grounds."""
    hearing = _visible_hearing(hearing_id)
    licences = [link.licence for link in hearing.licence_links]
    audit.record("hearing.pack", hearing)
    # The pack shows every flag and recommendation in full: each is a read, as on its own page.
    for licence in licences:
        audit.record("person.view", licence.holder, reason=f"hearing pack {hearing.id}")
        for flag in licence.flags:
            audit.record("flag.read", flag, reason=f"hearing pack {hearing.id}")
        for recommendation in licence.recommendations:
            audit.record("recommendation.read", recommendation, reason=f"hearing pack {hearing.id}")
    return render_template("licensing/pack.html", hearing=hearing, licences=licences,
                           generated=format_local(utcnow()))

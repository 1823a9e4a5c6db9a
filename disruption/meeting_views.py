"""Pages for multi-agency meetings: the list, a meeting's record, its actions and their delivery, and the pack."""
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from playhouse.flask_utils import get_object_or_404

from core.auth import acting_user
from core import audit
from core.errors import WorkflowError
from core.home import Panel, home_panel
from core.models import Organisation, User
from core.navigation import nav_link
from core.timeutil import format_local, london_to_utc, to_local, utcnow
from core.web import paginate
from core.workdays import working_days_between
from disruption import meetings
from disruption.meeting_forms import ActionForm, DeliveryForm, MeetingForm
from disruption.meetings import Meeting, MeetingAction
from hotspots.analysis import CATEGORIES
from hotspots.presenting import changes_between
from licensing.models import Licence, Recommendation

bp = Blueprint("meetings", __name__)

nav_link("meetings.meetings", "Meetings")


def _readable(meeting_id):
    meeting = get_object_or_404(Meeting, Meeting.id == meeting_id)
    if not meetings.may_read(current_user, meeting):
        abort(403)
    return meeting


def _editable(meeting_id):
    meeting = get_object_or_404(Meeting, Meeting.id == meeting_id)
    if not meetings.may_edit(current_user, meeting):
        abort(403)
    return meeting


@home_panel("police", "specialist", "licensing_officer", "partner", order=60)
def actions_panel(user):
    actions = (MeetingAction.with_meeting().where(
        MeetingAction.delivered_at.is_null() & (MeetingAction.owner_organisation == user.organisation_id))
        .order_by(MeetingAction.due_on).limit(10))
    return Panel(title="Meeting actions your organisation owns",
                 items=[(f"Due {a.due_on:%d %b %Y}{' (overdue)' if a.overdue else ''}: {a.description[:80]}",
                         url_for("meetings.meeting", meeting_id=a.meeting_id)) for a in actions],
                 empty="No meeting action is open for your organisation.", more_url=url_for("meetings.actions"))


@bp.route("/meetings", endpoint="meetings")
def meetings_list():
    """List the meetings your organisation attended, chaired or recorded."""
    return render_template("disruption/meetings/list.html",
                           page=paginate(meetings.meetings_for(current_user, request.args.get("q") or None)))


@bp.route("/meeting-actions")
def actions():
    """List your organisation's meeting actions, open ones first."""
    query = (MeetingAction.with_meeting().where(MeetingAction.owner_organisation == current_user.organisation_id)
             .order_by(MeetingAction.delivered_at.is_null(False), MeetingAction.due_on, MeetingAction.id))
    return render_template("disruption/meetings/actions.html", page=paginate(query))


@bp.route("/meetings/new", methods=["GET", "POST"])
def meeting_new():
    """Record a multi-agency meeting: chair, attendance, minutes owner, minutes and decisions."""
    form = MeetingForm(user=acting_user())
    if request.method == "GET":
        form.attending.data = [current_user.organisation_id]
    if form.validate_on_submit():
        try:
            meeting = meetings.record_meeting(acting_user(), form.attending.data or [], **_fields(form))
        except WorkflowError as error:
            flash(str(error), "danger")
        else:
            flash("Meeting recorded. Add its actions below.", "success")
            return redirect(url_for("meetings.meeting", meeting_id=meeting.id))
    return render_template("disruption/meetings/form.html", form=form, title="Record a meeting")


def _fields(form):
    fields = form.meeting_fields()
    fields["held_at"] = london_to_utc(fields["held_at"])
    return fields


@bp.route("/meetings/<int:meeting_id>")
def meeting(meeting_id):
    """Show a meeting's record and its actions (partners: the decisions and their own actions)."""
    meeting = _readable(meeting_id)
    audit.record("meeting.read", meeting)
    return render_template(
        "disruption/meetings/meeting.html", meeting=meeting, attending=_attending(meeting),
        actions=list(meetings.actions_shown_to(current_user, meeting)),
        sees_minutes=meetings.sees_minutes(current_user), editable=meetings.may_edit(current_user, meeting),
        may_deliver=lambda action: meetings.may_record_delivery(current_user, action))


def _attending(meeting):
    return list(Organisation.select().join(meetings.MeetingAttendance, on=(
        meetings.MeetingAttendance.organisation == Organisation.id))
        .where(meetings.MeetingAttendance.meeting == meeting).order_by(Organisation.name))


@bp.route("/meetings/<int:meeting_id>/edit", methods=["GET", "POST"])
def meeting_edit(meeting_id):
    """Correct or complete a meeting's record."""
    meeting = _editable(meeting_id)
    form = MeetingForm(obj=meeting, user=acting_user())
    if request.method == "GET":
        form.held_at.data = to_local(meeting.held_at).replace(tzinfo=None)
        form.attending.data = [o.id for o in _attending(meeting)]
        form.chair_is_me.data = meeting.chair_user_id == current_user.id
        form.chair_organisation.data = meeting.chair_organisation_id
        form.minutes_owner_organisation.data = meeting.minutes_owner_organisation_id
    if form.validate_on_submit():
        meetings.update_meeting(meeting, acting_user(), form.attending.data or [], **_fields(form))
        flash("Meeting updated.", "success")
        return redirect(url_for("meetings.meeting", meeting_id=meeting.id))
    return render_template("disruption/meetings/form.html", form=form, title=f"Edit {meeting.title}",
                           meeting=meeting)


@bp.route("/meetings/<int:meeting_id>/actions/new", methods=["GET", "POST"])
def action_new(meeting_id):
    """Add an action agreed at the meeting; its owner organisation is told."""
    meeting = _editable(meeting_id)
    form = ActionForm(meeting=meeting)
    if form.validate_on_submit():
        owner_user = User.get_by_id(form.owner_user.data) if form.owner_user.data else None
        try:
            meetings.add_action(meeting, acting_user(), form.description.data, Organisation.get_by_id(
                form.owner_organisation.data), form.due_on.data, owner_user)
        except WorkflowError as error:
            flash(str(error), "danger")
        else:
            flash("Action added; its owner organisation has been told.", "success")
            return redirect(url_for("meetings.meeting", meeting_id=meeting.id))
    return render_template("disruption/meetings/form.html", form=form, title=f"Add an action: {meeting.title}",
                           meeting=meeting)


@bp.route("/meeting-actions/<int:action_id>/deliver", methods=["GET", "POST"])
def action_deliver(action_id):
    """Record that an action was delivered, and how."""
    action = get_object_or_404(MeetingAction, MeetingAction.id == action_id)
    if not meetings.may_record_delivery(current_user, action):
        abort(403)
    form = DeliveryForm()
    if form.validate_on_submit():
        try:
            meetings.record_delivery(action, acting_user(), form.note.data)
        except WorkflowError as error:
            flash(str(error), "danger")
        else:
            flash("Action recorded as delivered.", "success")
            return redirect(url_for("meetings.meeting", meeting_id=action.meeting_id))
    return render_template("disruption/meetings/form.html", form=form, title="Record delivery of an action",
                           meeting=action.meeting, action=action)


@bp.route("/meetings/<int:meeting_id>/pack")
def meeting_pack(meeting_id):
    """Print the meeting pack: since the previous meeting, intelligence counts by area, how the hotspots changed,
    open actions and overdue recommendations (an audited read)."""
    meeting = _readable(meeting_id)
    audit.record("meeting.pack", meeting)
    start, end, previous = meetings.pack_period(meeting, current_user)
    today = meetings.today()
    return render_template(
        "disruption/meetings/pack.html", meeting=meeting, previous=previous, start=start, end=end,
        areas=meetings.intelligence_counts_by_area(current_user, start, end),
        open_actions=list(meetings.open_actions_for_pack(meeting, current_user)),
        recommendations=list(_overdue_recommendations(today)),
        all_recommendations=bool(current_user.roles & {"police", "specialist"}),
        days_overdue=lambda due_on: working_days_between(due_on, today), generated=format_local(utcnow()),
        hotspot_changes=changes_between(to_local(start).date(), to_local(end).date(),
                                        current_app.config["HOTSPOT_AREA"]),
        hotspot_labels=dict(CATEGORIES), hotspot_until=f"{to_local(end):%Y-%m}")


def _overdue_recommendations(today):
    """Undecided recommendations past their due date that the reader may see: police and the specialist team
    see all of them; a licensing authority those addressed to it (as licensing.models.sees_concerns)."""
    query = (Recommendation.undecided().select(Recommendation, Licence, Organisation)
             .join(Licence).join(Organisation, on=(Licence.authority == Organisation.id))
             .where(Recommendation.due_on < today).order_by(Recommendation.due_on, Recommendation.id))
    if not current_user.roles & {"police", "specialist"}:
        query = query.where(Licence.authority == current_user.organisation_id)
    return query

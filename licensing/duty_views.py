"""Pages for the statutory duties: the open clocks, concerns shared and received, register entries and searches,
information received, DBS status checks and driver self-reports. Licensing officers only, their own authority's."""
import math
from datetime import timedelta

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from playhouse.flask_utils import get_object_or_404

from core.auth import acting_user
from core import audit
from core.errors import WorkflowError
from core.forms import ConfirmForm
from core.home import Panel, home_panel
from core.models import Organisation
from core.navigation import nav_link
from core.permissions import require_own_organisation
from core.timeutil import format_local, london_to_utc, to_local, utcnow
from core.web import Page, csv_response, wants_csv
from core.workdays import working_days_between
from followups.models import FollowUp
from licensing import duties
from licensing.duty_forms import (ConcernDecisionForm, ConcernForm, DbsCheckForm, ReceivedInformationForm,
                                  RegisterEntryForm, RegisterSubmitForm, SearchForm, SelfReportForm)
from licensing.duty_models import (REGISTER_GROUNDS, DriverConcern, InformationRequest, ReceivedInformation,
                                   RegisterEntry, RegisterSearch, SelfReport)
from licensing.models import DRIVER_KINDS, Licence
from records.models import Person

bp = Blueprint("duties", __name__)

nav_link("duties.overview", "Statutory duties")


def _own(model, record_id):
    return require_own_organisation(get_object_or_404(model, model.id == record_id), field="authority")


def _page_of(items):
    """Page a list by ?page= and ?per_page=, as core.web.paginate pages a query."""
    def number(name, default):
        try:
            return max(1, int(request.args.get(name, default)))
        except ValueError:
            return default
    per_page = min(number("per_page", current_app.config["PER_PAGE"]), 200)
    page = min(number("page", 1), max(1, math.ceil(len(items) / per_page)))
    return Page(items=items[(page - 1) * per_page:page * per_page], page=page, per_page=per_page, total=len(items))


def _awaiting_our_decision(authority_id):
    return (DriverConcern.select(DriverConcern, Organisation)
            .join(Organisation, on=(DriverConcern.authority == Organisation.id))
            .where((DriverConcern.receiving_authority == authority_id) & DriverConcern.sent_at.is_null(False)
                   & DriverConcern.decided_at.is_null())
            .order_by(DriverConcern.sent_at))


@home_panel("licensing_officer")
def clocks_panel(user):
    clocks = duties.authority_clocks(user.organisation_id)
    overdue = sum(clock.overdue for clock in clocks)
    items = [(f"{'OVERDUE · ' if c.overdue else ''}{c.label} · {c.subject} · due {c.due_text}", c.url)
             for c in clocks[:8]]
    awaiting = _awaiting_our_decision(user.organisation_id).limit(4)
    items += [(f"Concern from {c.authority.name} about {c.driver_name}: record your decision (s6)",
               url_for("duties.concern", concern_id=c.id)) for c in awaiting]
    return Panel(title=f"Statutory clocks: {len(clocks)} open, {overdue} overdue", items=items,
                 empty="No statutory clock is running.", more_url=url_for("duties.overview"))


@bp.route("/duties")
def overview():
    """Show every open statutory clock of your authority, overdue first; filter by duty, export CSV."""
    duty = request.args.get("duty") if request.args.get("duty") in duties.DUTIES else None
    clocks = duties.authority_clocks(current_user.organisation_id, duty=duty)
    if wants_csv():
        return csv_response("statutory-clocks", ["duty", "clock", "about", "due", "working days left", "overdue",
                                                 "link"], clocks,
                            lambda c: [duties.DUTIES[c.duty], c.label, c.subject, c.due_text, c.working_days_left,
                                       "yes" if c.overdue else "no", c.url])
    return render_template("licensing/duties/overview.html", page=_page_of(clocks), duties=duties.DUTIES, duty=duty,
                           overdue=sum(c.overdue for c in clocks),
                           awaiting=_awaiting_our_decision(current_user.organisation_id).count())


# -- s5 and s6 --------------------------------------------------------------------------------------------------

@bp.route("/duties/concerns")
def concerns():
    """List concerns your authority shared about other authorities' drivers, or those shared with it."""
    received = request.args.get("direction") == "received"
    me = current_user.organisation_id
    if received:
        query = (DriverConcern.select(DriverConcern, Organisation)
                 .join(Organisation, on=(DriverConcern.authority == Organisation.id))
                 .where((DriverConcern.receiving_authority == me) & DriverConcern.sent_at.is_null(False))
                 .order_by(DriverConcern.decided_at.is_null(False), DriverConcern.sent_at.desc()))
    else:
        query = (duties.concern_query().where(DriverConcern.authority == me)
                 .order_by(DriverConcern.sent_at.is_null(False), DriverConcern.due_on.desc()))
    if wants_csv():
        return csv_response("driver-concerns", ["id", "driver", "licence number", "from", "to", "became aware",
                                                "due", "sent", "decision", "decided"], query,
                            lambda c: [c.id, c.driver_name, c.driver_licence_number, c.authority.name,
                                       c.receiving_authority.name, c.became_aware_on, c.due_on,
                                       format_local(c.sent_at), c.decision_label or "", format_local(c.decided_at)])
    return render_template("licensing/duties/concerns.html", page=_page_of(list(query)), received=received,
                           days_left=lambda due: working_days_between(duties.today(), due))


@bp.route("/duties/concerns/new", methods=["GET", "POST"])
def concern_new():
    """Record a concern about a driver licensed by another authority (s5), and send it."""
    form = ConcernForm(authority_id=current_user.organisation_id)
    about = Licence.get_or_none(Licence.id == request.args.get("licence", type=int))
    if request.method == "GET" and about is not None and about.authority_id != current_user.organisation_id:
        form.receiving_authority.data = about.authority_id
        form.driver_name.data = about.holder.name
        form.driver_licence_number.data = about.number
    if form.validate_on_submit():
        try:
            concern = duties.record_concern(acting_user(), form.receiving_authority.data, form.driver_name.data,
                                            form.driver_licence_number.data, form.became_aware_on.data,
                                            form.information.data, send_now=form.send_now.data)
        except WorkflowError as error:
            flash(str(error), "danger")
        else:
            flash(f"Concern recorded{' and sent to ' + concern.receiving_authority.name if concern.sent_at else ''}. "
                  f"It is due to be sent by {concern.due_on:%d %B %Y}.", "success")
            return redirect(url_for("duties.concern", concern_id=concern.id))
    return render_template("licensing/duties/form.html", form=form,
                           title="Share a concern about another authority's driver (s5)",
                           intro="Send the information to the authority that licensed the driver within 10 working "
                                 "days of becoming aware. They must consider suspension or revocation and tell you "
                                 "their decision.")


def _visible_concern(concern_id):
    concern = get_object_or_404(DriverConcern, DriverConcern.id == concern_id)
    me = current_user.organisation_id
    if me != concern.authority_id and not (me == concern.receiving_authority_id and concern.sent_at):
        abort(403)
    return concern


@bp.route("/duties/concerns/<int:concern_id>")
def concern(concern_id):
    """Show a concern, its clock, its deliveries and the receiving authority's decision (an audited read)."""
    concern = _visible_concern(concern_id)
    audit.record("driver_concern.read", concern)
    sharing = concern.authority_id == current_user.organisation_id
    clock = duties.concern_clock(concern) if sharing else None
    return render_template(
        "licensing/duties/concern.html", concern=concern, sharing=sharing, clocks=[clock] if clock else [],
        confirm=ConfirmForm(), deliveries=FollowUp.about("driver_concern", concern.id),
        decision_form=ConcernDecisionForm() if not sharing and concern.decided_at is None else None)


@bp.route("/duties/concerns/<int:concern_id>/send", methods=["POST"])
def concern_send(concern_id):
    """Send a recorded concern to the authority that licenses the driver."""
    concern = _own(DriverConcern, concern_id)
    if ConfirmForm().validate_on_submit():
        try:
            duties.send_concern(concern, acting_user())
            flash(f"Sent to {concern.receiving_authority.name}.", "success")
        except WorkflowError as error:
            flash(str(error), "danger")
    return redirect(url_for("duties.concern", concern_id=concern.id))


@bp.route("/duties/concerns/<int:concern_id>/decision", methods=["POST"])
def concern_decision(concern_id):
    """Record your authority's decision on a concern shared with it (s6); the sharing authority is told."""
    concern = _visible_concern(concern_id)
    form = ConcernDecisionForm()
    if form.validate_on_submit():
        try:
            duties.record_concern_decision(concern, form.decision.data, form.reasons.data, acting_user())
            flash(f"Decision recorded and sent to {concern.authority.name}.", "success")
        except WorkflowError as error:
            flash(str(error), "danger")
    else:
        flash("Choose a decision and give the reasons.", "danger")
    return redirect(url_for("duties.concern", concern_id=concern.id))


# -- s2 ---------------------------------------------------------------------------------------------------------

REGISTER_STATES = {"open": "To submit", "submitted": "Submitted", "not_needed": "Not needed", "all": "All"}


@bp.route("/duties/register")
def register_entries():
    """List national register entries prepared after refusals, suspensions and revocations."""
    state = request.args.get("state", "open")
    query = (duties.entry_query().where(RegisterEntry.authority == current_user.organisation_id)
             .order_by(RegisterEntry.submitted_on.is_null(False), RegisterEntry.due_on.desc()))
    if state == "open":
        query = query.where(duties.entry_open())
    elif state == "submitted":
        query = query.where(RegisterEntry.submitted_on.is_null(False))
    elif state == "not_needed":
        query = query.where(RegisterEntry.grounds == "other")
    if wants_csv():
        # The list, not the personal details: those stay on each entry's page, whose reads are audited.
        return csv_response("register-entries", ["id", "licence", "name", "decision", "date of decision", "grounds",
                                                 "date told", "due", "submitted", "retain until"], query,
                            lambda e: [e.id, e.licence.number, e.name, e.decision_label, e.decision_on,
                                       e.grounds_label, e.told_on, e.due_on, e.submitted_on, e.retain_until])
    return render_template("licensing/duties/register.html", page=_page_of(list(query)), state=state,
                           states=REGISTER_STATES, clock=duties.register_clock)


@bp.route("/duties/register/<int:entry_id>", methods=["GET", "POST"])
def register_entry(entry_id):
    """Show and complete a national register entry with exactly the statutory fields (an audited read)."""
    entry = _own(RegisterEntry, entry_id)
    form = RegisterEntryForm(obj=entry)
    if request.method == "GET":
        audit.record("register_entry.read", entry)
        form.grounds.data = entry.grounds or ""
    if form.validate_on_submit():
        try:
            duties.update_register_entry(entry, acting_user(), **form.fields())
        except WorkflowError as error:
            flash(str(error), "danger")
        else:
            flash("Entry saved.", "success")
            return redirect(url_for("duties.register_entry", entry_id=entry.id))
    submit_form = RegisterSubmitForm(submitted_on=duties.today())
    return render_template("licensing/duties/register_entry.html", entry=entry, form=form, submit_form=submit_form,
                           clocks=[duties.register_clock(entry)] if entry.needed else [], grounds=REGISTER_GROUNDS)


@bp.route("/duties/register/<int:entry_id>/submit", methods=["POST"])
def register_entry_submit(entry_id):
    """Record that the entry was submitted to the national register."""
    entry = _own(RegisterEntry, entry_id)
    form = RegisterSubmitForm()
    if form.validate_on_submit():
        try:
            duties.submit_register_entry(entry, form.submitted_on.data, form.reference.data, acting_user())
            flash("Submission recorded.", "success")
        except WorkflowError as error:
            flash(str(error), "danger")
    else:
        flash("Give the date it was submitted (not in the future).", "danger")
    return redirect(url_for("duties.register_entry", entry_id=entry.id))


# -- s3 ---------------------------------------------------------------------------------------------------------

@bp.route("/duties/searches")
def searches():
    """List register searches before grant or renewal, their results, and the information requests they opened."""
    query = (RegisterSearch.select(RegisterSearch, Licence, Person).join(Licence).join(Person)
             .where(RegisterSearch.authority == current_user.organisation_id)
             .order_by(RegisterSearch.searched_on.desc(), RegisterSearch.id.desc()))
    if request.args.get("result") in ("match", "no_match"):
        query = query.where(RegisterSearch.result == request.args["result"])
    if wants_csv():
        return csv_response("register-searches", ["id", "licence", "holder", "purpose", "searched", "result",
                                                  "recording authority", "reference"], query,
                            lambda s: [s.id, s.licence.number, s.licence.holder.name, s.purpose, s.searched_on,
                                       s.result, s.recording_name, s.reference])
    page = _page_of(list(query))
    requests = {r.search_id: r for r in InformationRequest.select().where(
        InformationRequest.search.in_([s.id for s in page.items] or [0]))}
    return render_template("licensing/duties/searches.html", page=page, requests=requests)


@bp.route("/licences/<int:licence_id>/register-search", methods=["GET", "POST"])
def search_new(licence_id):
    """Record a national register search before a grant or renewal (s3)."""
    licence = _own(Licence, licence_id)
    form = SearchForm(authority_id=current_user.organisation_id)
    if request.method == "GET":
        form.purpose.data = "grant" if licence.status == "applied" and not licence.granted_on else "renewal"
        form.searched_on.data = duties.today()
    if licence.kind not in DRIVER_KINDS:
        flash("The national register covers taxi and private hire driver licences only.", "warning")
    elif form.validate_on_submit():
        try:
            search = duties.record_search(licence, acting_user(), form.purpose.data, form.searched_on.data,
                                          form.result.data, form.recording_authority.data,
                                          form.recording_authority_name.data, form.reference.data)
        except WorkflowError as error:
            flash(str(error), "danger")
        else:
            if search.result == "match":
                request_ = search.requests.get()
                flash(f"Match recorded. A request for information is open; the reply is due by "
                      f"{request_.due_on:%d %B %Y}.", "success")
                return redirect(url_for("duties.information_request", request_id=request_.id))
            flash("Search recorded: no match.", "success")
            return redirect(url_for("duties.searches"))
    return render_template("licensing/duties/form.html", form=form, licence=licence,
                           title=f"Register search for licence {licence.number}",
                           intro="Search the national register before every grant or renewal of a driver licence, "
                                 "then record the result here. A match opens a request for information to the "
                                 "authority that recorded it, with 20 working days for the reply.")


@bp.route("/duties/requests/<int:request_id>")
def information_request(request_id):
    """Show an information request, its clock, and what was received for it (each read audited)."""
    info_request = _own(InformationRequest, request_id)
    received = list(info_request.received.order_by(ReceivedInformation.received_on))
    for info in received:
        audit.record("received_information.read", info)
    clocks = [duties.request_clock(info_request)] if not info_request.closed_at or info_request.received_on else []
    form = ReceivedInformationForm(received_on=duties.today()) if not info_request.closed_at else None
    return render_template("licensing/duties/request.html", info_request=info_request, received=received,
                           form=form, confirm=ConfirmForm(), clocks=clocks,
                           deliveries=FollowUp.about("information_request", info_request.id))


@bp.route("/duties/requests/<int:request_id>/received", methods=["POST"])
def information_received(request_id):
    """Keep information received from the recording authority, apart, until the application is decided."""
    info_request = _own(InformationRequest, request_id)
    form = ReceivedInformationForm()
    if form.validate_on_submit():
        try:
            duties.record_received_information(info_request, form.received_on.data, form.content.data, acting_user())
            flash("Information kept. It will be deleted when the application is decided.", "success")
        except WorkflowError as error:
            flash(str(error), "danger")
    else:
        flash("Give the date received (not in the future) and the information.", "danger")
    return redirect(url_for("duties.information_request", request_id=info_request.id))


@bp.route("/duties/requests/<int:request_id>/close", methods=["POST"])
def information_close(request_id):
    """The application is decided (for example a renewal): delete the information received for it."""
    info_request = _own(InformationRequest, request_id)
    if ConfirmForm().validate_on_submit():
        deleted = duties.close_information_request(info_request, "application decided", acting_user())
        flash(f"Request closed; {deleted} item(s) of information deleted.", "success")
    return redirect(url_for("duties.information_request", request_id=info_request.id))


# -- DBS --------------------------------------------------------------------------------------------------------

@bp.route("/duties/dbs")
def dbs_due():
    """List granted driver licences whose 6-monthly DBS status check is overdue or missing (or due soon)."""
    within = request.args.get("within", 0, type=int)
    within = within if within in (0, 28, 56) else 0
    query, due = duties.dbs_due_licences(current_user.organisation_id,
                                         before=duties.today() + timedelta(days=within + (1 if within else 0)))
    licences = [licence for licence in query if due(licence)]
    if wants_csv():
        return csv_response("dbs-checks-due", ["licence", "kind", "holder", "last check", "due", "update service"],
                            licences, lambda l: [l.number, l.kind, l.holder.name, l.dbs_checked_on or "none",
                                                 duties.dbs_due_for(l), "yes" if l.dbs_update_service else "no"])
    return render_template("licensing/duties/dbs.html", page=_page_of(licences), within=within,
                           due_for=duties.dbs_due_for, today=duties.today())


@bp.route("/licences/<int:licence_id>/dbs-check", methods=["GET", "POST"])
def dbs_check(licence_id):
    """Record a DBS status check of a licensed driver (audited); an open DBS flag is closed or renewed."""
    licence = _own(Licence, licence_id)
    form = DbsCheckForm()
    if request.method == "GET":
        form.checked_on.data = duties.today()
        form.update_service.data = licence.dbs_update_service
    if licence.kind not in DRIVER_KINDS:
        flash("DBS status checks are recorded for driver licences.", "warning")
    elif form.validate_on_submit():
        try:
            duties.record_dbs_check(licence, form.checked_on.data, form.update_service.data,
                                    form.new_information.data, form.notes.data, acting_user())
        except WorkflowError as error:
            flash(str(error), "danger")
        else:
            flash(f"DBS status check recorded; the next is due by "
                  f"{duties.dbs_due_on(form.checked_on.data):%d %B %Y}.", "success")
            return redirect(url_for("duties.dbs_due"))
    return render_template("licensing/duties/form.html", form=form, licence=licence,
                           title=f"DBS status check: licence {licence.number}",
                           clocks=[duties.dbs_clock(licence)] if licence.kind in DRIVER_KINDS else [],
                           intro="Every licensed driver's enhanced DBS certificate is checked on the Update Service "
                                 "every 6 months. A driver not subscribed to the Update Service is flagged.")


# -- self-reports -----------------------------------------------------------------------------------------------

@bp.route("/duties/self-reports")
def self_reports():
    """List drivers' self-reports of arrest, charge or conviction, late ones highlighted."""
    query = (SelfReport.select(SelfReport, Licence, Person).join(Licence).join(Person)
             .where(SelfReport.authority == current_user.organisation_id)
             .order_by(SelfReport.reported_at.desc(), SelfReport.id.desc()))
    if request.args.get("licence", type=int):
        query = query.where(SelfReport.licence == request.args.get("licence", type=int))
    if request.args.get("late") == "true":
        query = query.where(SelfReport.late)
    if wants_csv():
        return csv_response("self-reports", ["id", "licence", "holder", "event", "happened", "reported",
                                             "within 48 hours"], query,
                            lambda s: [s.id, s.licence.number, s.licence.holder.name, s.event,
                                       format_local(s.event_at), format_local(s.reported_at),
                                       "no" if s.late else "yes"])
    return render_template("licensing/duties/self_reports.html", page=_page_of(list(query)))


@bp.route("/licences/<int:licence_id>/self-report", methods=["GET", "POST"])
def self_report_new(licence_id):
    """Record a driver's self-report of an arrest, charge or conviction, checked against 48 hours."""
    licence = _own(Licence, licence_id)
    form = SelfReportForm()
    if request.method == "GET":
        form.reported_at.data = to_local(utcnow()).replace(tzinfo=None, second=0, microsecond=0)
    if form.validate_on_submit():
        try:
            report = duties.record_self_report(licence, form.event.data, form.summary.data,
                                               london_to_utc(form.event_at.data), london_to_utc(form.reported_at.data),
                                               acting_user(), raise_flag=form.raise_flag.data)
        except WorkflowError as error:
            flash(str(error), "danger")
        else:
            flash("Self-report recorded" + (": LATE, more than 48 hours after the event, and flagged." if report.late
                                            else ", within 48 hours."), "warning" if report.late else "success")
            return redirect(url_for("duties.self_reports", licence=licence.id))
    return render_template("licensing/duties/form.html", form=form, licence=licence,
                           title=f"Driver self-report: licence {licence.number}",
                           intro="A licensed driver must report an arrest, charge or conviction within 48 hours.")

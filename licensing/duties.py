"""The statutory duties and their clocks (SPEC §4.5): record each duty, count its days, list the open clocks,
and escalate each missed clock once.

Taxis and Private Hire Vehicles (Safeguarding and Road Safety) Act 2022: s5 share a concern about another
authority's driver (10 working days), s6 its decision comes back, s2 national register entry (5 working days
after the person is told), s3 register search and information request (reply in 20 working days). DfT
standards: six-monthly DBS status checks, driver self-reports within 48 hours.
"""
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app, url_for
from peewee import JOIN, fn

from core import audit
from core.db import db, is_sqlite
from core.errors import WorkflowError
from core.models import Organisation
from core.timeutil import format_local, to_local, utcnow
from core.workdays import add_working_days, working_days_between
from followups import escalate_once, periodic_check, send
from licensing import workflow
from licensing.duty_models import (CONCERN_DECISIONS, REGISTER_DECISIONS, REGISTER_GROUNDS, SEARCH_PURPOSES,
                                   SELF_REPORT_EVENTS, DriverConcern, InformationRequest, ReceivedInformation,
                                   RegisterEntry, RegisterSearch, SelfReport, add_months)
from licensing.models import DRIVER_KINDS, Flag, Licence
from records.models import Person

CONCERN_WORKING_DAYS = 10
REGISTER_WORKING_DAYS = 5
REQUEST_WORKING_DAYS = 20
DBS_INTERVAL_MONTHS = 6
DBS_WARNING_DAYS = 28  # a DBS clock counts as open this many days before it falls due
SELF_REPORT_HOURS = 48

DUTIES = {
    "concern": "Concern about another authority's driver (s5)",
    "register": "National register entry (s2)",
    "request": "Register match: information request (s3)",
    "dbs": "DBS status check (6-monthly)",
    "self_report": "Driver self-report (48 hours)",
}

ACT = "the Taxis and Private Hire Vehicles (Safeguarding and Road Safety) Act 2022"


def today():
    """London's date today (tests replace this to stand on a given day)."""
    return workflow.today()


def concern_due_on(became_aware_on):
    return add_working_days(became_aware_on, CONCERN_WORKING_DAYS)


def register_due_on(told_on):
    return add_working_days(told_on, REGISTER_WORKING_DAYS)


def request_due_on(requested_on):
    return add_working_days(requested_on, REQUEST_WORKING_DAYS)


def dbs_due_on(checked_on):
    return add_months(checked_on, DBS_INTERVAL_MONTHS)


def self_report_due_at(event_at):
    return event_at + timedelta(hours=SELF_REPORT_HOURS)


# -- clocks -----------------------------------------------------------------------------------------------

@dataclass
class Clock:
    """One statutory clock. due is a London date, or a stored naive-UTC instant for the 48-hour clock.

    For a clock that is done, working_days_left and overdue are as they stood when it was done."""

    label: str
    due: date | datetime
    done_at: date | datetime | None
    working_days_left: int
    overdue: bool
    url: str
    duty: str = ""
    subject: str = ""
    licence_id: int | None = None

    @property
    def due_text(self):
        return _when(self.due)

    @property
    def done_text(self):
        return _when(self.done_at)


def _when(value):
    if value is None:
        return ""
    return format_local(value) if isinstance(value, datetime) else value.strftime("%d %b %Y")


def _day(value):
    return to_local(value).date() if isinstance(value, datetime) else value


def _clock(duty, label, due, done_at, url, subject="", licence_id=None):
    if isinstance(due, datetime):  # calendar hours: compare instants
        reference = done_at or utcnow()
        overdue = reference > due
    else:  # working days: due by the end of the due day
        reference = _day(done_at) if done_at else today()
        overdue = reference > due
    return Clock(label=label, due=due, done_at=done_at, working_days_left=working_days_between(
        _day(reference), _day(due)), overdue=overdue, url=url, duty=duty, subject=subject, licence_id=licence_id)


def concern_clock(concern):
    return _clock("concern", f"Send concern to {concern.receiving_authority.name} (s5)", concern.due_on,
                  concern.sent_at, url_for("duties.concern", concern_id=concern.id), concern.driver_name,
                  concern.licence_id)


def register_clock(entry):
    label = "National register entry (s2)" if entry.told_on else \
        "National register entry (s2): date told not recorded, counted from the decision"
    return _clock("register", label, entry.due_on, entry.submitted_on,
                  url_for("duties.register_entry", entry_id=entry.id),
                  f"{entry.name} · {entry.licence.number}", entry.licence_id)


def request_clock(request):
    return _clock("request", f"Reply from {request.recording_name} (s3)", request.due_on, request.received_on,
                  url_for("duties.information_request", request_id=request.id),
                  f"{request.licence.holder.name} · {request.licence.number}", request.licence_id)


def dbs_due_for(licence):
    """When the licence's next DBS status check is due; with none recorded, it was due before the grant."""
    if licence.dbs_checked_on:
        return dbs_due_on(licence.dbs_checked_on)
    return (licence.granted_on or to_local(licence.created_at).date()) - timedelta(days=1)


def dbs_clock(licence):
    label = "DBS status check (6-monthly)" + ("" if licence.dbs_update_service else ": Update Service lapsed")
    return _clock("dbs", label, dbs_due_for(licence), None, url_for("duties.dbs_check", licence_id=licence.id),
                  f"{licence.holder.name} · {licence.number}", licence.id)


def self_report_clock(report):
    return _clock("self_report", f"Self-report of {report.event_label.lower()} (48 hours)", report.due_at,
                  report.reported_at, url_for("duties.self_reports", licence=report.licence_id),
                  f"{report.licence.holder.name} · {report.licence.number}", report.licence_id)


def concern_query():
    return (DriverConcern.select(DriverConcern, Organisation)
            .join(Organisation, on=(DriverConcern.receiving_authority == Organisation.id)))


def entry_query():
    return RegisterEntry.select(RegisterEntry, Licence).join(Licence)


def request_query():
    return (InformationRequest.select(InformationRequest, Licence, Person, Organisation)
            .join(Licence).join(Person)
            .switch(InformationRequest)
            .join(Organisation, JOIN.LEFT_OUTER, on=(InformationRequest.recording_authority == Organisation.id)))


def entry_open():
    return (RegisterEntry.submitted_on.is_null()
            & (RegisterEntry.grounds.is_null() | (RegisterEntry.grounds != "other")))


def request_open():
    return InformationRequest.received_on.is_null() & InformationRequest.closed_at.is_null()


def dbs_due_licences(authority_id=None, before=None):
    """Granted driver licences whose DBS status check falls due before `before` (default: overdue today),
    or that have none recorded: the due list, in the order they fell due."""
    before = before or today()
    # Month ends clamp (31 Aug + 6 months = 28 Feb), so the database finds a few days' more and Python decides.
    threshold = add_months(before, -DBS_INTERVAL_MONTHS) + timedelta(days=4)
    query = (Licence.select(Licence, Person).join(Person)
             .where(Licence.kind.in_(DRIVER_KINDS) & (Licence.status == "granted")
                    & (Licence.dbs_checked_on.is_null() | (Licence.dbs_checked_on <= threshold)))
             .order_by(Licence.dbs_checked_on.asc(nulls="FIRST"), Licence.id))
    if authority_id is not None:
        query = query.where(Licence.authority == authority_id)
    return query, (lambda licence: licence.dbs_checked_on is None or dbs_due_on(licence.dbs_checked_on) < before)


def authority_clocks(authority_id, licence_ids=None, duty=None):
    """The open clocks of an authority's duties, overdue first, then soonest due. A few queries in all."""
    ids = None if licence_ids is None else list(licence_ids) or [0]

    def about(query, field):
        return query if ids is None else query.where(field.in_(ids))

    clocks = []
    if duty in (None, "concern"):
        clocks += [concern_clock(c) for c in about(concern_query().where(
            (DriverConcern.authority == authority_id) & DriverConcern.sent_at.is_null()), DriverConcern.licence)]
    if duty in (None, "register"):
        clocks += [register_clock(e) for e in about(entry_query().where(
            (RegisterEntry.authority == authority_id) & entry_open()), RegisterEntry.licence)]
    if duty in (None, "request"):
        clocks += [request_clock(r) for r in about(request_query().where(
            (InformationRequest.authority == authority_id) & request_open()), InformationRequest.licence)]
    if duty in (None, "dbs"):
        query, due = dbs_due_licences(authority_id, before=today() + timedelta(days=DBS_WARNING_DAYS + 1))
        clocks += [dbs_clock(licence) for licence in about(query, Licence.id) if due(licence)]
    return sorted(clocks, key=lambda c: (not c.overdue, _day(c.due), c.label))


def open_clocks(authority_id, licence_ids=None):
    """{licence_id: [Clock]} of the authority's open clocks, overdue first; a concern about a driver who is not
    on this system is under None. A DBS check counts as open from DBS_WARNING_DAYS before it falls due."""
    grouped = defaultdict(list)
    for clock in authority_clocks(authority_id, licence_ids):
        grouped[clock.licence_id].append(clock)
    return dict(grouped)


def clocks_for_licence(licence):
    """Every clock of the licence's own authority about this licence, open ones first (overdue first), then
    those done, latest first. Only the issuing authority's licensing officers should be shown them."""
    clocks = [register_clock(e) for e in entry_query().where(
        (RegisterEntry.licence == licence.id) & (RegisterEntry.grounds.is_null() | (RegisterEntry.grounds != "other")))]
    clocks += [request_clock(r) for r in request_query().where(
        (InformationRequest.licence == licence.id)
        & (InformationRequest.closed_at.is_null() | InformationRequest.received_on.is_null(False)))]
    clocks += [self_report_clock(s) for s in SelfReport.select(SelfReport, Licence, Person).join(Licence)
               .join(Person).where(SelfReport.licence == licence.id)]
    if licence.kind in DRIVER_KINDS and licence.status == "granted":
        clocks.append(dbs_clock(licence))
    open_ = sorted((c for c in clocks if c.done_at is None), key=lambda c: (not c.overdue, _day(c.due)))
    done = sorted((c for c in clocks if c.done_at is not None), key=lambda c: _day(c.done_at), reverse=True)
    return open_ + done


# -- s5 and s6: concerns about another authority's driver ----------------------------------------------------

def record_concern(user, receiving_authority_id, driver_name, driver_licence_number, became_aware_on, information,
                   send_now=True):
    """Record a concern about a driver licensed by another authority; the 10-working-day clock starts on the
    day we became aware. The licence is linked when it is on this system."""
    receiving = Organisation.get_or_none(Organisation.id == receiving_authority_id)
    if receiving is None or receiving.kind != "licensing" or receiving.id == user.organisation_id:
        raise WorkflowError("Choose another licensing authority: the one that licensed the driver.")
    if became_aware_on is None or became_aware_on > today():
        raise WorkflowError("Give the date you became aware; it cannot be in the future.")
    number = (driver_licence_number or "").strip().upper()
    licence = Licence.get_or_none((Licence.authority == receiving.id) & (Licence.number == number)) if number else None
    with db.atomic():
        concern = DriverConcern.create(
            authority=user.organisation_id, receiving_authority=receiving, licence=licence,
            driver_name=driver_name.strip(), driver_licence_number=number, became_aware_on=became_aware_on,
            due_on=concern_due_on(became_aware_on), information=information.strip(), created_by=user)
        audit.record("driver_concern.create", concern, user=user, reason=f"for {receiving.name}")
        if send_now:
            send_concern(concern, user)
    return DriverConcern.get_by_id(concern.id)


def send_concern(concern, user):
    """Send the information to the authority that licensed the driver, and ask it to acknowledge."""
    with db.atomic():
        sent = DriverConcern.update(sent_at=utcnow(), sent_by=user).where(
            (DriverConcern.id == concern.id) & DriverConcern.sent_at.is_null()).execute()
        if not sent:
            raise WorkflowError("This concern has already been sent.")
        concern = DriverConcern.get_by_id(concern.id)
        number = f", licence {concern.driver_licence_number}" if concern.driver_licence_number else ""
        send("driver_concern.shared", concern, to=[concern.receiving_authority_id], sender=user.organisation,
             due_in_working_days=current_app.config["OUTCOME_ACK_WORKING_DAYS"],
             subject=f"Information about your licensed driver {concern.driver_name}",
             body=f"{user.organisation.name} shares information under section 5 of {ACT} about "
                  f"{concern.driver_name}{number}, a driver you license.\n\n{concern.information}\n\n"
                  "Under section 6 you must consider whether to suspend or revoke the licence and tell us your "
                  "decision: record it under Statutory duties, Concerns shared with you.")
        audit.record("driver_concern.send", concern, user=user, recipients=[concern.receiving_authority_id])
    return concern


def record_concern_decision(concern, decision, reasons, user):
    """The receiving authority's decision (s6); it goes back to the sharing authority as a follow-up."""
    if user.organisation_id != concern.receiving_authority_id:
        raise WorkflowError("Only the authority that licenses the driver records its decision.")
    if concern.sent_at is None:
        raise WorkflowError("This concern has not been sent yet.")
    if decision not in CONCERN_DECISIONS or not (reasons or "").strip():
        raise WorkflowError("Choose a decision and give the reasons.")
    with db.atomic():
        decided = DriverConcern.update(decision=decision, decision_reasons=reasons.strip(), decided_at=utcnow(),
                                       decided_by=user).where(
            (DriverConcern.id == concern.id) & DriverConcern.decided_at.is_null()).execute()
        if not decided:
            raise WorkflowError("A decision on this concern is already recorded.")
        concern = DriverConcern.get_by_id(concern.id)
        send("driver_concern.decision", concern, to=[concern.authority_id], sender=user.organisation,
             due_in_working_days=current_app.config["OUTCOME_ACK_WORKING_DAYS"],
             subject=f"Decision on your concern about {concern.driver_name}: {concern.decision_label.lower()}",
             body=f"{user.organisation.name} has considered the information you shared on "
                  f"{to_local(concern.sent_at):%d %B %Y} about {concern.driver_name} (section 6 of {ACT}).\n\n"
                  f"Decision: {concern.decision_label}\nReasons:\n{concern.decision_reasons}\n\n"
                  "Please acknowledge that you have received this decision.")
        audit.record("driver_concern.decide", concern, user=user, recipients=[concern.authority_id],
                     reason=decision)
    return concern


# -- s2: national register entries ----------------------------------------------------------------------------

def prepare_register_entry(licence, user):
    """Draft a register entry for a driver licence just refused, suspended or revoked. The officer records the
    grounds: only safeguarding or road safety need an entry, and until then the clock runs."""
    holder = licence.holder
    entry = RegisterEntry.create(licence=licence, authority=licence.authority_id, name=holder.name,
                                 date_of_birth=holder.date_of_birth, decision=licence.status, decision_on=today(),
                                 due_on=register_due_on(today()))
    audit.record("register_entry.prepare", entry, user=user, reason=f"licence {licence.number} {licence.status}")
    return entry


def update_register_entry(entry, user, **fields):
    """Change an entry's grounds or statutory fields; the clock counts from the date the person was told."""
    unknown = set(fields) - set(RegisterEntry.STATUTORY_FIELDS) - {"grounds", "told_on"}
    if unknown or fields.get("grounds") not in (None, *REGISTER_GROUNDS) or \
            fields.get("decision", entry.decision) not in REGISTER_DECISIONS:
        raise WorkflowError("These are not fields of a register entry.")
    changed = sorted(name for name, value in fields.items() if getattr(entry, name) != value)
    for name, value in fields.items():
        setattr(entry, name, value)
    entry.due_on = register_due_on(entry.told_on or entry.decision_on)
    with db.atomic():
        entry.save()
        audit.record("register_entry.update", entry, user=user, reason="changed: " + (", ".join(changed) or "nothing"))
    return entry


def submit_register_entry(entry, submitted_on, reference, user):
    """Record that the entry was submitted to the national register."""
    if not entry.needed or entry.grounds is None:
        raise WorkflowError("Record the grounds first: only safeguarding or road-safety decisions go on the register.")
    if entry.missing:
        missing = ", ".join(name.replace("_", " ") for name in entry.missing)
        raise WorkflowError(f"Fill in every statutory field first: {missing}.")
    if submitted_on > today() or submitted_on < entry.decision_on:
        raise WorkflowError("The submission date is between the decision and today.")
    with db.atomic():
        done = RegisterEntry.update(submitted_on=submitted_on, submission_reference=(reference or "").strip(),
                                    submitted_by=user).where(
            (RegisterEntry.id == entry.id) & RegisterEntry.submitted_on.is_null()).execute()
        if not done:
            raise WorkflowError("This entry's submission is already recorded.")
        audit.record("register_entry.submit", entry, user=user, reason=f"submitted {submitted_on:%Y-%m-%d}")
    return RegisterEntry.get_by_id(entry.id)


# -- s3: register searches, information requests, information received ----------------------------------------

def record_search(licence, user, purpose, searched_on, result, recording_authority_id=None,
                  recording_authority_name="", reference=""):
    """Record a register search before a grant or renewal. A match opens an information request to the
    recording authority, with a 20-working-day reply clock, sent as a follow-up when it is on this system."""
    if licence.kind not in DRIVER_KINDS:
        raise WorkflowError("The national register covers taxi and private hire driver licences only.")
    if licence.status in ("revoked", "refused", "surrendered"):
        raise WorkflowError(f"The licence is {licence.status}: there is no grant or renewal to search for.")
    if purpose not in SEARCH_PURPOSES or result not in ("match", "no_match"):
        raise WorkflowError("Choose what the search is for and its result.")
    if searched_on > today():
        raise WorkflowError("The search date cannot be in the future.")
    recording = Organisation.get_or_none(Organisation.id == recording_authority_id) if recording_authority_id else None
    name = "" if recording else (recording_authority_name or "").strip()
    if result == "match" and not (recording or name):
        raise WorkflowError("Name the authority that recorded the matching entry.")
    with db.atomic():
        search = RegisterSearch.create(licence=licence, authority=licence.authority_id, purpose=purpose,
                                       searched_on=searched_on, result=result,
                                       recording_authority=recording if result == "match" else None,
                                       recording_authority_name=name if result == "match" else "",
                                       reference=(reference or "").strip(), created_by=user)
        audit.record("register_search.record", search, user=user, reason=f"licence {licence.number}: {result}")
        if result == "match":
            _request_information(search, user)
    return search


def _request_information(search, user):
    licence, requested_on = search.licence, today()
    request = InformationRequest.create(
        search=search, licence=licence, authority=search.authority_id, recording_authority=search.recording_authority,
        recording_authority_name=search.recording_authority_name, requested_on=requested_on,
        due_on=request_due_on(requested_on), created_by=user)
    recipients = [search.recording_authority_id] if search.recording_authority_id else []
    audit.record("information_request.open", request, user=user, recipients=recipients)
    if recipients:
        holder = licence.holder
        born = f", born {holder.date_of_birth:%d %B %Y}" if holder.date_of_birth else ""
        send("register.information_request", request, to=recipients, sender=user.organisation,
             subject=f"Request for information: national register entry for {holder.name}",
             body=f"{user.organisation.name} searched the national register before the "
                  f"{search.purpose} of a driver licence and found an entry you recorded for {holder.name}{born}"
                  f"{' (search reference ' + search.reference + ')' if search.reference else ''}.\n\n"
                  f"Under section 3 of {ACT}, please send us the information behind that entry by "
                  f"{request.due_on:%d %B %Y}. It will be used for this application only and deleted once the "
                  "application is decided.")
    return request


def record_received_information(request, received_on, content, user):
    """Keep what the recording authority sent, apart from every other record, until the application is decided."""
    if request.closed_at:
        raise WorkflowError("The application has been decided: information for it must not be kept.")
    if received_on > today() or received_on < request.requested_on:
        raise WorkflowError("The date received is between the request and today.")
    with db.atomic():
        info = ReceivedInformation.create(request=request, authority=request.authority_id, received_on=received_on,
                                          content=content.strip(), recorded_by=user)
        InformationRequest.update(received_on=received_on).where(
            (InformationRequest.id == request.id) & InformationRequest.received_on.is_null()).execute()
        audit.record("received_information.record", info, user=user, reason=f"request {request.id}")
    return info


def close_information_request(request, reason, user):
    """The application is decided: delete what was received for it, audit the deletion, stop the clock."""
    with db.atomic():
        closed = InformationRequest.update(closed_at=utcnow(), closed_reason=reason).where(
            (InformationRequest.id == request.id) & InformationRequest.closed_at.is_null()).execute()
        if not closed:
            return 0
        deleted = ReceivedInformation.delete().where(ReceivedInformation.request == request.id).execute()
        audit.record("received_information.delete", request, user=user,
                     reason=f"{deleted} item(s) deleted: {reason}")
    return deleted


def close_information_requests(licence, reason, user):
    for request in InformationRequest.select().where(
            (InformationRequest.licence == licence.id) & InformationRequest.closed_at.is_null()):
        close_information_request(request, reason, user)


# -- DBS status checks ----------------------------------------------------------------------------------------

def dbs_problem(licence, day=None):
    """Why a granted driver licence needs a DBS flag, or None."""
    day = day or today()
    problems = []
    if not licence.dbs_checked_on:
        problems.append("No enhanced DBS check is recorded.")
    elif day > dbs_due_on(licence.dbs_checked_on):
        problems.append(f"The 6-monthly DBS status check was due on {dbs_due_on(licence.dbs_checked_on):%d %B %Y}.")
    if not licence.dbs_update_service:
        problems.append("The driver is not subscribed to the DBS Update Service (or the subscription has lapsed).")
    return " ".join(problems) or None


def _open_flag(licence, category):
    return Flag.select().where((Flag.licence == licence.id) & (Flag.category == category)
                               & Flag.closed_at.is_null()).first()


def _raise_own_flag(licence, category, summary, user=None):
    """A flag the authority raises on its own licence: it enters its review queue, with no follow-up to itself."""
    flag = Flag.create(licence=licence, source=licence.authority_id, raised_by=user, category=category,
                       summary=summary)
    audit.record("flag.raise", flag, user=user, reason=f"on licence {licence.number}")
    return flag


def _raise_dbs_flag(licence, summary, user=None):
    """Raise a DBS flag unless one is open on the licence already (never a pile of them)."""
    with db.atomic():
        if not is_sqlite():  # lock the licence row so two sweeps cannot both raise one; SQLite serialises writers
            list(Licence.select(Licence.id).where(Licence.id == licence.id).for_update())
        if _open_flag(licence, "dbs"):
            return None
        return _raise_own_flag(licence, "dbs", summary, user)


def record_dbs_check(licence, checked_on, update_service, new_information, notes, user):
    """Record a DBS status check: the licence's check date and Update Service state change, audited. An open DBS
    flag is closed; a new one is raised if the check showed new information or the subscription has lapsed."""
    if licence.kind not in DRIVER_KINDS:
        raise WorkflowError("DBS status checks are recorded for driver licences.")
    if checked_on > today():
        raise WorkflowError("The check date cannot be in the future.")
    with db.atomic():
        Licence.update(dbs_checked_on=checked_on, dbs_update_service=update_service).where(
            Licence.id == licence.id).execute()
        licence = Licence.get_by_id(licence.id)
        result = "new information" if new_information else "no new information"
        audit.record("licence.dbs_check", licence, user=user,
                     reason=f"checked {checked_on:%Y-%m-%d}, {result}, Update Service "
                            f"{'subscribed' if update_service else 'not subscribed'}"
                            + (f": {notes.strip()}" if (notes or "").strip() else ""))
        flag = _open_flag(licence, "dbs")
        if flag:
            workflow.close_flag(flag, f"DBS status check recorded for {checked_on:%d %B %Y}.", user)
        problem = " ".join(filter(None, [
            "The DBS status check shows new information: apply for a new enhanced certificate." if new_information
            else None, dbs_problem(licence)]))
        if problem:
            _raise_dbs_flag(licence, problem + (f"\n\n{notes.strip()}" if (notes or "").strip() else ""), user)
    return licence


@periodic_check
def flag_dbs_lapses():
    """Flag each granted driver licence whose DBS check is overdue or whose Update Service lapsed, once until the
    flag is closed; the authority's managers hear how many were flagged."""
    day = today()
    open_dbs = Flag.select(Flag.id).where((Flag.licence == Licence.id) & (Flag.category == "dbs")
                                          & Flag.closed_at.is_null())
    query, _ = dbs_due_licences(before=day)
    query = query.orwhere(Licence.kind.in_(DRIVER_KINDS) & (Licence.status == "granted")
                          & ~Licence.dbs_update_service)
    raised = defaultdict(int)
    for licence in query.where(~fn.EXISTS(open_dbs)):
        problem = dbs_problem(licence, day)
        if problem and _raise_dbs_flag(licence, problem):
            raised[licence.authority_id] += 1
    for authority_id, count in raised.items():
        send("escalation", None, to=[authority_id], sender=None, for_managers=True,
             subject=f"DBS: {count} driver licence(s) flagged for an overdue check or a lapsed Update Service",
             body=f"{count} granted driver licence(s) have a 6-monthly DBS status check overdue or no DBS Update "
                  "Service subscription. Each has a DBS flag in the review queue; see Statutory duties, DBS checks.")
    return sum(raised.values())


# -- driver self-reports --------------------------------------------------------------------------------------

def record_self_report(licence, event, summary, event_at, reported_at, user, raise_flag=True):
    """Record a driver's self-report of an arrest, charge or conviction, and whether it came within 48 hours.

    It raises a flag for review when asked, and always when it is late: a late report is itself a matter
    for the authority's view of whether the driver is fit and proper."""
    if event not in SELF_REPORT_EVENTS or not (summary or "").strip():
        raise WorkflowError("Say what happened.")
    if event_at > reported_at:
        raise WorkflowError("The report cannot come before the event.")
    if reported_at > utcnow() + timedelta(minutes=5):
        raise WorkflowError("The report cannot be in the future.")
    late = reported_at > self_report_due_at(event_at)
    with db.atomic():
        flag = None
        if raise_flag or late:
            flag = _raise_own_flag(
                licence, "arrest_charge",
                f"Driver self-report: {SELF_REPORT_EVENTS[event].lower()} on {format_local(event_at)}, reported "
                f"{format_local(reported_at)}" + (", more than 48 hours after it (late)" if late else "")
                + f".\n\n{summary.strip()}", user)
        report = SelfReport.create(licence=licence, authority=licence.authority_id, event=event,
                                   summary=summary.strip(), event_at=event_at, reported_at=reported_at, late=late,
                                   flag=flag, recorded_by=user)
        audit.record("self_report.record", report, user=user, reason="late" if late else "within 48 hours")
    return report


# -- escalation and the status-change hook --------------------------------------------------------------------

@periodic_check
def escalate_missed_duties():
    """A concern not sent, a register entry not submitted or a reply not received by its due date goes to the
    managers (for a reply, of both authorities)."""
    day = today()
    concerns = escalate_once(
        DriverConcern.select().where(DriverConcern.sent_at.is_null() & (DriverConcern.due_on < day)),
        lambda c: ([c.authority_id], f"Overdue: concern about driver {c.driver_name} not sent",
                   f"Information about {c.driver_name}, licensed by {c.receiving_authority.name}, was due to be sent "
                   f"to them by {c.due_on:%d %B %Y}: 10 working days after becoming aware on "
                   f"{c.became_aware_on:%d %B %Y} (section 5 of {ACT}). It has not been sent."))
    entries = escalate_once(
        RegisterEntry.select().where(entry_open() & (RegisterEntry.due_on < day)),
        lambda e: ([e.authority_id], f"Overdue: national register entry for licence {e.licence.number}",
                   f"The register entry for the {e.decision_label.lower()} of licence {e.licence.number} "
                   f"({e.name}) was due by {e.due_on:%d %B %Y} (section 2 of {ACT}) and its submission is not "
                   "recorded."))
    requests = escalate_once(
        InformationRequest.select().where(request_open() & (InformationRequest.due_on < day)),
        lambda r: ([r.authority_id] + ([r.recording_authority_id] if r.recording_authority_id else []),
                   f"Overdue: reply to a national register information request (licence {r.licence.number})",
                   f"{r.authority.name} asked {r.recording_name} on {r.requested_on:%d %B %Y} for the information "
                   f"behind a national register entry (section 3 of {ACT}). The reply was due by "
                   f"{r.due_on:%d %B %Y} and has not been received."))
    return concerns + entries + requests


def after_status_change(licence, from_status, user):
    """Hook run inside licensing.workflow.change_status: draft the register entry for a driver refusal,
    suspension or revocation, and delete information received for an application once it is decided."""
    if licence.kind in DRIVER_KINDS and licence.status in REGISTER_DECISIONS:
        prepare_register_entry(licence, user)
    if from_status == "applied" and licence.status in ("granted", "refused", "surrendered"):
        close_information_requests(licence, f"application {licence.status}", user)


workflow.STATUS_HOOKS.append(after_status_change)

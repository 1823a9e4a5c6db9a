"""Statutory duties (SPEC §4.5): each clock's due date across bank holidays, escalation once, follow-ups sent,
information received deleted on decision, DBS flags raised once, the 48-hour self-report check, permissions."""
import csv
import io
from datetime import date, datetime, timedelta

import pytest

from core.audit import AuditEvent
from followups import outbox
from followups.models import FollowUp
from licensing import duties, workflow
from licensing.duty_models import (DriverConcern, InformationRequest, ReceivedInformation, RegisterEntry,
                                   RegisterSearch, SelfReport)
from licensing.models import Flag, Licence
from records.models import Person

CHRISTMAS_EVE = date(2026, 12, 24)  # Thursday; 25 and 28 December and 1 January are bank holidays


def duty_subjects(licence, other_authority):
    """URL arguments for the duty routes (for tests/test_permissions.py's route_subjects): a concern, a register
    entry and an information request, all of licence's authority, the concern shared with other_authority."""
    authority = licence.authority_id
    concern = DriverConcern.create(authority=authority, receiving_authority=other_authority, driver_name="Route Driver",
                                   became_aware_on=date(2026, 11, 2), due_on=date(2026, 11, 16), information="Route")
    entry = RegisterEntry.create(licence=licence, authority=authority, name="Route Driver", decision="revoked",
                                 decision_on=date(2026, 11, 2), due_on=date(2026, 11, 9))
    search = RegisterSearch.create(licence=licence, authority=authority, purpose="renewal",
                                   searched_on=date(2026, 11, 2), result="match", recording_authority_name="Elsewhere")
    request = InformationRequest.create(search=search, licence=licence, authority=authority,
                                        recording_authority_name="Elsewhere", requested_on=date(2026, 11, 2),
                                        due_on=date(2026, 11, 30))
    return {"concern_id": concern.id, "entry_id": entry.id, "request_id": request.id}


@pytest.fixture
def world(make_org, make_user):
    council = make_org("licensing", name="Eastbrook Council")
    neighbour = make_org("licensing", name="Westvale Council")
    officer = make_user("licensing_officer", organisation=council)
    return {"council": council, "neighbour": neighbour, "officer": officer,
            "manager": make_user("manager", organisation=council),
            "neighbour_officer": make_user("licensing_officer", organisation=neighbour),
            "partner": make_user("partner"), "constable": make_user("police")}


def make_licence(authority, number, kind="phv_driver", status="granted", **fields):
    holder = Person.create(name=fields.pop("holder_name", "Dale Fenwick"), date_of_birth=date(1979, 5, 4))
    return Licence.create(kind=kind, number=number, holder=holder, authority=authority, status=status, **fields)


def on_day(monkeypatch, day):
    monkeypatch.setattr(duties, "today", lambda: day)


def followups(kind, recipient=None):
    query = FollowUp.select().where(FollowUp.kind == kind)
    if recipient is not None:
        query = query.where(FollowUp.recipient == recipient)
    return list(query)


# -- due dates across the Christmas and New Year bank holidays ---------------------------------------------------

def test_each_clock_skips_weekends_and_england_and_wales_bank_holidays():
    # 10 working days from Thu 24 Dec 2026: not 25 (Christmas), 26-27 (weekend), 28 (Boxing Day substitute) or
    # 1 Jan; 29, 30, 31 Dec, 4-8 Jan, 11, 12 Jan.
    assert duties.concern_due_on(CHRISTMAS_EVE) == date(2027, 1, 12)
    # 5 working days after the person is told on Wed 23 Dec: 24, 29, 30, 31 Dec and 4 Jan.
    assert duties.register_due_on(date(2026, 12, 23)) == date(2027, 1, 4)
    assert duties.register_due_on(CHRISTMAS_EVE) == date(2027, 1, 5)
    assert duties.request_due_on(CHRISTMAS_EVE) == date(2027, 1, 26)
    # Six calendar months, clamped at the end of a short month.
    assert duties.dbs_due_on(date(2026, 6, 30)) == date(2026, 12, 30)
    assert duties.dbs_due_on(date(2026, 8, 31)) == date(2027, 2, 28)
    # 48 calendar hours: bank holidays do not stop it.
    assert duties.self_report_due_at(datetime(2026, 12, 24, 18, 0)) == datetime(2026, 12, 26, 18, 0)


def test_a_clock_counts_working_days_left_and_turns_overdue_after_its_due_day(app, world, monkeypatch):
    concern = DriverConcern.create(authority=world["council"], receiving_authority=world["neighbour"],
                                   driver_name="Dale Fenwick", became_aware_on=CHRISTMAS_EVE,
                                   due_on=duties.concern_due_on(CHRISTMAS_EVE), information="Seen driving unlicensed")
    with app.test_request_context():
        on_day(monkeypatch, CHRISTMAS_EVE)
        clock = duties.open_clocks(world["council"].id)[None][0]
        assert (clock.due, clock.working_days_left, clock.overdue) == (date(2027, 1, 12), 10, False)
        assert clock.url == f"/duties/concerns/{concern.id}"
        on_day(monkeypatch, date(2027, 1, 12))
        assert duties.open_clocks(world["council"].id)[None][0].overdue is False
        on_day(monkeypatch, date(2027, 1, 13))
        clock = duties.open_clocks(world["council"].id)[None][0]
        assert (clock.working_days_left, clock.overdue) == (-1, True)


# -- s5 and s6 --------------------------------------------------------------------------------------------------

def test_a_concern_is_shared_as_a_follow_up_and_the_decision_comes_back(app, client, log_in, world):
    theirs = make_licence(world["neighbour"], "WV-77")
    log_in(world["officer"])
    page = client.get(f"/duties/concerns/new?licence={theirs.id}").get_data(as_text=True)
    assert "WV-77" in page and "Dale Fenwick" in page
    response = client.post("/duties/concerns/new", data={
        "receiving_authority": world["neighbour"].id, "driver_name": "Dale Fenwick", "driver_licence_number": "wv-77",
        "became_aware_on": "2026-11-18", "information": "Passenger complaint of threatening driving.",
        "send_now": "y"})
    assert response.status_code == 302
    concern = DriverConcern.get()
    assert concern.licence_id == theirs.id and concern.sent_at is not None
    assert concern.due_on == date(2026, 12, 2)  # 10 working days after Wed 18 November
    shared = followups("driver_concern.shared", world["neighbour"])
    assert len(shared) == 1 and "threatening driving" in shared[0].body

    client.post("/logout")
    log_in(world["neighbour_officer"])
    assert "record your decision" in client.get("/").get_data(as_text=True)
    page = client.get(f"/duties/concerns/{concern.id}").get_data(as_text=True)
    assert "Passenger complaint" in page
    client.post(f"/duties/concerns/{concern.id}/decision", data={"decision": "suspended",
                                                                  "reasons": "Suspended pending interview."})
    decided = DriverConcern.get_by_id(concern.id)
    assert decided.decision == "suspended" and decided.decided_by_id == world["neighbour_officer"].id
    back = followups("driver_concern.decision", world["council"])
    assert len(back) == 1 and "Suspended pending interview" in back[0].body
    assert AuditEvent.select().where(AuditEvent.action == "driver_concern.read").count() == 1


def test_the_date_we_became_aware_is_required_and_not_in_the_future(client, log_in, world):
    log_in(world["officer"])
    base = {"receiving_authority": world["neighbour"].id, "driver_name": "Dale Fenwick", "information": "Text"}
    for aware in ("", (date.today() + timedelta(days=2)).isoformat()):
        page = client.post("/duties/concerns/new", data={**base, "became_aware_on": aware}).get_data(as_text=True)
        assert "invalid-feedback" in page
    # Our own authority is not offered: the driver is licensed by another one.
    page = client.post("/duties/concerns/new", data={**base, "became_aware_on": "2026-11-02",
                                                      "receiving_authority": world["council"].id})
    assert page.status_code == 200
    assert DriverConcern.select().count() == 0


def test_an_unsent_concern_is_escalated_to_managers_once(app, world, monkeypatch):
    with app.app_context():
        concern = duties.record_concern(world["officer"], world["neighbour"].id, "Dale Fenwick", "", CHRISTMAS_EVE
                                        - timedelta(days=40), "Information", send_now=False)
        on_day(monkeypatch, concern.due_on)
        assert duties.escalate_missed_duties() == 0
        on_day(monkeypatch, concern.due_on + timedelta(days=1))
        outbox.sweep()
        outbox.sweep()
        assert duties.escalate_missed_duties() == 0
    escalations = followups("escalation", world["council"])
    assert len(escalations) == 1
    assert escalations[0].for_managers and escalations[0].record_type == "driver_concern"
    assert DriverConcern.get_by_id(concern.id).escalated_at is not None


# -- s2 ---------------------------------------------------------------------------------------------------------

def test_a_driver_revocation_drafts_a_register_entry_completed_and_submitted_by_the_officer(
        app, client, log_in, world, monkeypatch):
    on_day(monkeypatch, date(2026, 11, 2))
    licence = make_licence(world["council"], "PH-5")
    vehicle = make_licence(world["council"], "PV-5", kind="phv_vehicle")
    with app.app_context():
        workflow.change_status(licence, "revoked", "Safeguarding concerns upheld at panel", world["officer"])
        workflow.change_status(vehicle, "revoked", "Unsafe vehicle", world["officer"])
    entry = RegisterEntry.get()  # only the driver licence: the register is for drivers
    assert (entry.licence_id, entry.decision, entry.name, entry.date_of_birth) == (
        licence.id, "revoked", "Dale Fenwick", date(1979, 5, 4))
    assert entry.grounds is None and entry.decision_on == date(2026, 11, 2)
    assert entry.retain_until == date(2037, 11, 2)  # 11 years from the decision

    log_in(world["officer"])
    page = client.get(f"/duties/register/{entry.id}").get_data(as_text=True)
    assert "date told not recorded" in page and "Retain until" in page
    fields = {"grounds": "safeguarding", "told_on": entry.decision_on.isoformat(), "name": "Dale Fenwick",
              "date_of_birth": "1979-05-04", "address": "4 Mill Lane, Eastbrook", "ni_number": "ab 12 34 56 c",
              "driving_licence_number": "FENWI705049DF9AB", "decision": "revoked",
              "decision_on": entry.decision_on.isoformat(), "effective_on": "",
              "contact": "licensing@eastbrook.example"}
    client.post(f"/duties/register/{entry.id}", data=fields)
    client.post(f"/duties/register/{entry.id}/submit", data={"submitted_on": entry.decision_on.isoformat()})
    assert RegisterEntry.get_by_id(entry.id).submitted_on is None  # date effective is still missing
    client.post(f"/duties/register/{entry.id}", data={**fields, "effective_on": entry.decision_on.isoformat()})
    entry = RegisterEntry.get_by_id(entry.id)
    assert entry.ni_number == "AB123456C" and entry.due_on == duties.register_due_on(entry.decision_on)
    client.post(f"/duties/register/{entry.id}/submit", data={"submitted_on": entry.decision_on.isoformat(),
                                                             "reference": "NR-1"})
    entry = RegisterEntry.get_by_id(entry.id)
    assert entry.submitted_on == entry.decision_on and entry.submission_reference == "NR-1"
    with app.test_request_context():
        clock = duties.clocks_for_licence(licence)[0]
        assert clock.done_at == entry.decision_on and not clock.overdue
        assert duties.open_clocks(world["council"].id) == {}
    assert AuditEvent.select().where(AuditEvent.action == "register_entry.read").count() == 1


def test_a_bad_ni_number_is_refused_with_a_clear_message(app, client, log_in, world):
    licence = make_licence(world["council"], "PH-6")
    entry = RegisterEntry.create(licence=licence, authority=world["council"], name="Dale Fenwick", decision="refused",
                                 decision_on=date(2026, 11, 2), due_on=date(2026, 11, 9))
    log_in(world["officer"])
    page = client.post(f"/duties/register/{entry.id}", data={"name": "Dale Fenwick", "decision": "refused",
                                                             "decision_on": "2026-11-02", "ni_number": "12345"})
    assert "A National Insurance number is two letters" in page.get_data(as_text=True)


def test_an_unsubmitted_entry_escalates_once_but_one_on_other_grounds_does_not(app, world, monkeypatch):
    licence = make_licence(world["council"], "PH-7")
    on_day(monkeypatch, date(2026, 11, 2))
    with app.app_context():
        workflow.change_status(licence, "suspended", "Road safety: three speeding convictions", world["officer"])
        other = make_licence(world["council"], "PH-8")
        workflow.change_status(other, "suspended", "Medical", world["officer"])
        duties.update_register_entry(RegisterEntry.get(RegisterEntry.licence == other), world["officer"],
                                     grounds="other")
        on_day(monkeypatch, date(2026, 11, 10))
        assert duties.escalate_missed_duties() == 1
        assert duties.escalate_missed_duties() == 0
    escalation = followups("escalation", world["council"])
    assert len(escalation) == 1 and "PH-7" in escalation[0].subject


# -- s3 ---------------------------------------------------------------------------------------------------------

def test_a_match_opens_a_request_whose_information_is_kept_apart_and_deleted_on_decision(
        app, client, log_in, world, monkeypatch):
    applicant = make_licence(world["council"], "PH-9", status="applied")
    log_in(world["officer"])
    response = client.post(f"/licences/{applicant.id}/register-search", data={
        "purpose": "grant", "searched_on": "2026-11-20", "result": "match",
        "recording_authority": world["neighbour"].id, "reference": "S-42"})
    request = InformationRequest.get()
    assert response.location == f"/duties/requests/{request.id}"
    assert request.due_on == duties.request_due_on(request.requested_on)
    asked = followups("register.information_request", world["neighbour"])
    assert len(asked) == 1 and "Dale Fenwick" in asked[0].body

    client.post(f"/duties/requests/{request.id}/received", data={
        "received_on": date.today().isoformat(), "content": "Licence revoked in 2024 after a passenger complaint."})
    assert "passenger complaint" in client.get(f"/duties/requests/{request.id}").get_data(as_text=True)
    info = ReceivedInformation.get()
    assert AuditEvent.select().where((AuditEvent.action == "received_information.read")
                                     & (AuditEvent.record_id == info.id)).count() == 1
    client.post("/logout")
    log_in(world["neighbour_officer"])
    assert client.get(f"/duties/requests/{request.id}").status_code == 403

    with app.app_context():
        workflow.change_status(Licence.get_by_id(applicant.id), "granted", "Fit and proper", world["officer"])
    assert ReceivedInformation.select().count() == 0
    closed = InformationRequest.get_by_id(request.id)
    assert closed.closed_at is not None and closed.closed_reason == "application granted"
    deletion = AuditEvent.get(AuditEvent.action == "received_information.delete")
    assert (deletion.record_type, deletion.record_id, deletion.reason) == (
        "information_request", request.id, "1 item(s) deleted: application granted")


def test_an_unanswered_request_escalates_to_both_authorities_once(app, world, monkeypatch):
    applicant = make_licence(world["council"], "PH-10", status="applied")
    on_day(monkeypatch, CHRISTMAS_EVE)
    with app.app_context():
        search = duties.record_search(applicant, world["officer"], "grant", CHRISTMAS_EVE, "match",
                                      world["neighbour"].id)
        assert search.requests.get().due_on == date(2027, 1, 26)
        on_day(monkeypatch, date(2027, 1, 26))
        assert duties.escalate_missed_duties() == 0
        on_day(monkeypatch, date(2027, 1, 27))
        assert duties.escalate_missed_duties() == 1
        assert duties.escalate_missed_duties() == 0
    assert {f.recipient_id for f in followups("escalation")} == {world["council"].id, world["neighbour"].id}


def test_a_search_without_a_match_opens_nothing(app, world):
    applicant = make_licence(world["council"], "PH-11", status="applied")
    with app.app_context():
        duties.record_search(applicant, world["officer"], "grant", date(2026, 11, 20), "no_match")
    assert InformationRequest.select().count() == 0 and not followups("register.information_request")


# -- DBS --------------------------------------------------------------------------------------------------------

def test_the_dbs_due_list_and_flags_raised_once_until_closed(app, client, log_in, world, monkeypatch):
    on_day(monkeypatch, date(2026, 11, 23))
    overdue = make_licence(world["council"], "PH-20", dbs_checked_on=date(2026, 5, 22), dbs_update_service=True)
    missing = make_licence(world["council"], "PH-21", dbs_update_service=True)
    lapsed = make_licence(world["council"], "PH-22", dbs_checked_on=date(2026, 10, 1), dbs_update_service=False)
    fine = make_licence(world["council"], "PH-23", dbs_checked_on=date(2026, 5, 23), dbs_update_service=True)
    make_licence(world["council"], "PH-24", status="suspended", dbs_checked_on=date(2025, 1, 1))
    make_licence(world["neighbour"], "WV-25", dbs_checked_on=date(2025, 1, 1))

    log_in(world["officer"])
    page = client.get("/duties/dbs").get_data(as_text=True)
    assert "PH-20" in page and "PH-21" in page and "PH-23" not in page and "PH-24" not in page
    assert "WV-25" not in page

    with app.app_context():
        assert duties.flag_dbs_lapses() == 4  # three here and the neighbour's licence
        assert duties.flag_dbs_lapses() == 0
    flagged = {flag.licence_id for flag in Flag.select().where(Flag.category == "dbs")}
    assert {overdue.id, missing.id, lapsed.id} <= flagged and fine.id not in flagged
    assert Flag.select().where(Flag.category == "dbs").count() == 4
    assert len(followups("escalation", world["council"])) == 1

    # Recording a check (audited) closes the flag; a lapsed subscription is flagged again until it is fixed.
    client.post(f"/licences/{overdue.id}/dbs-check", data={"checked_on": "2026-11-23", "update_service": "y"})
    assert Licence.get_by_id(overdue.id).dbs_checked_on == date(2026, 11, 23)
    assert AuditEvent.select().where((AuditEvent.action == "licence.dbs_check")
                                     & (AuditEvent.record_id == overdue.id)).count() == 1
    assert Flag.select().where((Flag.licence == overdue.id) & Flag.closed_at.is_null()).count() == 0
    client.post(f"/licences/{lapsed.id}/dbs-check", data={"checked_on": "2026-11-23"})
    assert Flag.select().where((Flag.licence == lapsed.id) & Flag.closed_at.is_null()).count() == 1
    with app.app_context():
        assert duties.flag_dbs_lapses() == 0


# -- self-reports -----------------------------------------------------------------------------------------------

def test_a_self_report_is_checked_against_48_hours_and_a_late_one_is_always_flagged(app, client, log_in, world):
    licence = make_licence(world["council"], "PH-30")
    log_in(world["officer"])
    # London times (GMT in November): 47 hours, then 49 hours after the event.
    client.post(f"/licences/{licence.id}/self-report", data={
        "event": "arrest", "summary": "Arrested after a road traffic collision; released under investigation.",
        "event_at": "2026-11-10T08:00", "reported_at": "2026-11-12T07:00"})
    client.post(f"/licences/{licence.id}/self-report", data={
        "event": "charge", "summary": "Charged with careless driving.",
        "event_at": "2026-11-10T08:00", "reported_at": "2026-11-12T09:00"})
    timely, late = SelfReport.select().order_by(SelfReport.id)
    assert (timely.late, late.late) == (False, True)
    assert timely.flag_id is None and late.flag_id is not None  # the box was left unticked: only the late one
    assert "late" in Flag.get_by_id(late.flag_id).summary
    page = client.get("/duties/self-reports").get_data(as_text=True)
    assert page.count('class="table-warning"') == 1
    with app.test_request_context():
        clocks = [c for c in duties.clocks_for_licence(licence) if c.duty == "self_report"]
    assert sorted(c.overdue for c in clocks) == [False, True]


def test_a_self_report_cannot_come_before_its_event(client, log_in, world):
    licence = make_licence(world["council"], "PH-31")
    log_in(world["officer"])
    page = client.post(f"/licences/{licence.id}/self-report", data={
        "event": "arrest", "summary": "x", "event_at": "2026-11-12T08:00", "reported_at": "2026-11-10T08:00",
        "raise_flag": "y"}).get_data(as_text=True)
    assert "cannot come before the event" in page and SelfReport.select().count() == 0


# -- the overview, the home panel and who may see any of it -----------------------------------------------------

def test_the_overview_lists_open_clocks_overdue_first_with_a_csv_export(app, client, log_in, world, monkeypatch):
    licence = make_licence(world["council"], "PH-40", dbs_checked_on=date(2026, 1, 5), dbs_update_service=True)
    with app.app_context():
        duties.record_concern(world["officer"], world["neighbour"].id, "Kim Arden", "", date(2026, 11, 20), "Info",
                              send_now=False)
    log_in(world["officer"])
    page = client.get("/duties").get_data(as_text=True)
    assert page.index("DBS status check") < page.index("Send concern to Westvale Council")  # overdue first
    assert "Kim Arden" in client.get("/").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(client.get("/duties?format=csv").get_data(as_text=True))))
    assert rows[0][:2] == ["duty", "clock"] and len(rows) == 3
    assert rows[1][5] == "yes" and "PH-40" in rows[1][2]
    only = client.get("/duties?duty=concern&format=csv").get_data(as_text=True)
    assert "Kim Arden" in only and "PH-40" not in only
    with app.test_request_context():
        assert list(duties.open_clocks(world["council"].id, [licence.id])) == [licence.id]


def test_partners_police_and_other_authorities_see_none_of_it(app, client, log_in, world):
    licence = make_licence(world["council"], "PH-50")
    subjects = duty_subjects(licence, world["neighbour"])
    urls = ["/duties", "/duties/concerns", "/duties/concerns/new", f"/duties/concerns/{subjects['concern_id']}",
            "/duties/register", f"/duties/register/{subjects['entry_id']}", "/duties/searches",
            f"/duties/requests/{subjects['request_id']}", "/duties/dbs", "/duties/self-reports",
            f"/licences/{licence.id}/register-search", f"/licences/{licence.id}/dbs-check",
            f"/licences/{licence.id}/self-report"]
    posts = [f"/duties/concerns/{subjects['concern_id']}/send", f"/duties/requests/{subjects['request_id']}/close",
             f"/duties/register/{subjects['entry_id']}/submit"]
    for user in (world["partner"], world["constable"]):
        log_in(user)
        for url in urls + posts:
            response = client.post(url) if url in posts else client.get(url)
            assert response.status_code == 403, (user.role, url)
        client.post("/logout")
    log_in(world["neighbour_officer"])
    for url in urls[3:4] + urls[5:6] + urls[7:8] + urls[10:] + posts:  # another authority's records
        response = client.post(url) if url in posts else client.get(url)
        assert response.status_code == 403, url
    assert DriverConcern.get().sent_at is None
    client.post("/logout")
    log_in(world["manager"])
    for url in urls:
        assert client.get(url).status_code == 200, url


def test_the_clocks_partial_renders_badges(app, world, monkeypatch):
    from flask import render_template

    licence = make_licence(world["council"], "PH-60", dbs_checked_on=date(2026, 1, 5), dbs_update_service=False)
    with app.test_request_context():
        html = render_template("licensing/duties/_clocks.html", clocks=duties.clocks_for_licence(licence))
    assert "DBS status check (6-monthly): Update Service lapsed" in html and "overdue" in html

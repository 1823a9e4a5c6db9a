"""Disruption (SPEC §4.2): the tactic catalogue, operations and actions, checked transitions, expiry limits per
tactic, follow-ups on the right working day, licence reviews becoming recommendations, the board, the API, roles."""
import json
import re
from datetime import date

import pytest
from test_api import bearer

from core import auth
from core.audit import AuditEvent
from core.errors import Invalid, WorkflowError
from disruption import workflow
from disruption.models import (ActionEvent, DisruptionAction, Operation, OperationTarget, Tactic, TacticRuledOut,
                               add_months, tactics_considered)
from followups.models import FollowUp
from licensing import workflow as licensing
from licensing.models import Licence, Recommendation
from records.models import Person, Premises, Vehicle

SPEC_TACTICS = {"child_abduction_warning_notice", "sexual_risk_order", "sexual_harm_prevention_order",
                "closure_notice", "closure_order", "section_116_notice", "community_protection_notice",
                "licence_review", "premises_visit", "taxi_compliance_check", "vehicle_stop", "bail_conditions",
                "trespass_harbouring_notice", "drugs_immigration_enforcement", "financial_investigation"}


def disruption_subjects(user, subject, person, vehicle, premises):
    """URL arguments for the disruption routes (tests/test_permissions.py's route_subjects): an operation the user
    may see (led by their organisation, or for a licensing user one in which their authority owns an action), its
    target and action, and a catalogue tactic in use (so an admin's delete is refused)."""
    casework = user is not None and bool(user.roles & {"police", "specialist"})
    lead = user.organisation if casework else subject.organisation
    owner = user if user is not None and "licensing_officer" in user.roles else subject
    tactic, _ = Tactic.get_or_create(code="route_test_tactic", defaults=dict(
        name="Route test tactic", legal_basis="None", target_kinds="person,premises,vehicle,place",
        applied_by="police,licensing,specialist"))
    operation = Operation.create(name="Route Test", objective="Route", lead=lead, starts_on=date(2026, 11, 2))
    target = OperationTarget.create(operation=operation, kind="premises", premises=premises)
    action = DisruptionAction.create(operation=operation, target=target, tactic=tactic, owner=owner,
                                     owner_organisation=owner.organisation, due_on=date(2026, 12, 1))
    return {"operation_id": operation.id, "target_id": target.id, "action_id": action.id, "tactic_id": tactic.id}


@pytest.fixture
def world(make_org, make_user):
    police = make_org("police", name="Northshire Police")
    specialist = make_org("specialist", name="Northshire CSE Team")
    council = make_org("licensing", name="Eastbrook Council")
    other_council = make_org("licensing", name="Westvale Council")
    officer = make_user("licensing_officer", organisation=council)
    holder = Person.create(name="Dale Fenwick")
    licence = licensing.create_licence(officer, kind="phv_operator", number="EB-OP-9", holder=holder,
                                       authority=council, status="granted")
    return {"police": police, "specialist": specialist, "council": council,
            "constable": make_user("police", organisation=police),
            "analyst": make_user("specialist", organisation=specialist),
            "officer": officer, "other_officer": make_user("licensing_officer", organisation=other_council),
            "partner": make_user("partner"), "admin": make_user("admin"), "holder": holder, "licence": licence,
            "hotel": Premises.create(name="Harbour View Hotel", type="hotel", address="1 Quay Road", lat=53.71,
                                     lon=-1.9),
            "takeaway": Premises.create(name="Late Grill", type="takeaway", address="2 High Street"),
            "vehicle": Vehicle.create(registration="EB12ABC", make="Skoda", model="Octavia")}


def tactic(code):
    return Tactic.get(Tactic.code == code)


def operation_of(world, name="Operation Lantern"):
    return workflow.create_operation(world["constable"], name, "Disrupt activity around the quay.", date(2026, 11, 2))


def plan(app, world, code, kind="premises", record=None, **fields):
    with app.test_request_context():
        operation = fields.pop("operation", None) or operation_of(world)
        target = workflow.add_target(operation, kind, world["constable"], record=record or world["hotel"])
        return workflow.plan_action(operation, target, tactic(code), fields.pop("user", world["constable"]), **fields)


def switch_to(client, log_in, user):
    client.post("/logout")
    return log_in(user)


# -- the catalogue -----------------------------------------------------------------------------------------------

def test_the_catalogue_holds_every_tactic_of_the_spec_with_its_limits(app):
    codes = {t.code for t in Tactic.select()}
    assert SPEC_TACTICS <= codes
    assert (tactic("section_116_notice").max_duration_months, tactic("section_116_notice").kinds) == (6, ["premises"])
    assert (tactic("closure_notice").min_duration_days, tactic("closure_notice").max_duration_days) == (1, 2)
    assert tactic("closure_order").court_involved and tactic("closure_order").max_duration_months == 6
    assert tactic("licence_review").appliers == ["police", "specialist"]


def test_the_api_lists_the_catalogue_to_staff_and_refuses_partners(client, world):
    answer = client.get("/api/v1/tactics", headers=bearer(auth.issue_token(world["officer"], "t")))
    assert answer.status_code == 200
    s116 = next(t for t in answer.json if t["code"] == "section_116_notice")
    assert {"code", "name", "legal_basis", "target_kinds"} <= set(s116) and s116["target_kinds"] == ["premises"]
    refused = client.get("/api/v1/tactics", headers=bearer(auth.issue_token(world["partner"], "t")))
    assert refused.status_code == 403


def test_an_admin_extends_the_catalogue_and_cannot_delete_a_tactic_in_use(app, client, log_in, world):
    log_in(world["admin"])
    response = client.post("/disruption/tactics/new", data={
        "code": "gang_injunction", "name": "Gang injunction", "legal_basis": "Policing and Crime Act 2009 s34",
        "target_kinds": ["person"], "applied_by": ["police", "licensing"], "max_duration_months": "24"})
    assert response.status_code == 302
    added = tactic("gang_injunction")
    assert (added.kinds, added.appliers, added.max_duration_months) == (["person"], ["police", "licensing"], 24)
    assert "Another tactic has this code" in client.post("/disruption/tactics/new", data={
        "code": "gang_injunction", "name": "Again", "legal_basis": "x", "target_kinds": ["person"],
        "applied_by": ["police"]}).get_data(as_text=True)
    client.post(f"/disruption/tactics/{added.id}/edit", data={
        "code": "gang_injunction", "name": "Gang injunction (civil)", "legal_basis": "Policing and Crime Act 2009",
        "target_kinds": ["person"], "applied_by": ["police"]})
    assert Tactic.get_by_id(added.id).name == "Gang injunction (civil)"

    used = plan(app, world, "premises_visit").tactic
    page = client.post(f"/disruption/tactics/{used.id}/delete", follow_redirects=True).get_data(as_text=True)
    assert "is used by 1 disruption action(s) and ruled out for 0 target(s), so it cannot be deleted" in page
    assert Tactic.get_or_none(Tactic.id == used.id) is not None
    client.post(f"/disruption/tactics/{added.id}/delete")
    assert Tactic.get_or_none(Tactic.code == "gang_injunction") is None
    assert AuditEvent.select().where(AuditEvent.action == "tactic.delete").count() == 1

    switch_to(client, log_in, world["constable"])
    assert client.get("/disruption/tactics").status_code == 200
    assert client.get("/disruption/tactics/new").status_code == 403


# -- actions: transitions, outcomes, expiry limits ---------------------------------------------------------------

def test_status_changes_only_along_the_workflow_with_history_audit_and_outcome(app, world):
    action = plan(app, world, "premises_visit")
    user = world["constable"]
    with app.test_request_context():
        workflow.change_action_status(action, "in_progress", user)
        with pytest.raises(Invalid) as missing:
            workflow.change_action_status(action, "completed", user)
        assert "outcome" in missing.value.fields
        workflow.change_action_status(action, "completed", user, outcome="Manager briefed; guest log checks agreed.")
        with pytest.raises(WorkflowError, match="Allowed from here: none"):
            workflow.change_action_status(action, "in_progress", user)
    action = DisruptionAction.get_by_id(action.id)
    assert action.status == "completed" and action.completed_at and action.outcome.startswith("Manager briefed")
    assert [(e.from_status, e.to_status) for e in action.history.order_by(ActionEvent.id)] == [
        (None, "planned"), ("planned", "in_progress"), ("in_progress", "completed")]
    assert AuditEvent.select().where(AuditEvent.action == "action.status").count() == 2


def test_tactic_and_target_kind_and_owner_organisation_are_checked(app, world):
    with pytest.raises(Invalid) as refused:
        plan(app, world, "vehicle_stop", owner=world["officer"])  # on premises, and licensing may not stop vehicles
    assert set(refused.value.fields) == {"tactic_code", "owner_id"}
    compliance = plan(app, world, "taxi_compliance_check", kind="vehicle", record=world["vehicle"],
                      owner=world["officer"])
    assert compliance.owner_organisation_id == world["council"].id


@pytest.mark.parametrize("code, starts_on, expires_on, allowed", [
    ("section_116_notice", date(2026, 8, 31), date(2027, 2, 28), True),    # 6 months, clamped at February's end
    ("section_116_notice", date(2026, 8, 31), date(2027, 3, 1), False),
    ("section_116_notice", date(2026, 1, 15), date(2026, 7, 15), True),
    ("section_116_notice", date(2026, 1, 15), date(2026, 7, 16), False),
    ("closure_notice", date(2026, 12, 1), date(2026, 12, 2), True),        # 24 hours
    ("closure_notice", date(2026, 12, 1), date(2026, 12, 3), True),        # 48 hours
    ("closure_notice", date(2026, 12, 1), date(2026, 12, 4), False),
    ("closure_notice", date(2026, 12, 1), date(2026, 12, 1), False),
    ("closure_order", date(2026, 12, 1), date(2027, 6, 1), True),
    ("closure_order", date(2026, 12, 1), date(2027, 6, 2), False),
    ("premises_visit", date(2026, 12, 1), date(2030, 1, 1), True),         # no limit
    ("section_116_notice", date(2026, 12, 1), date(2026, 11, 30), False),  # before it takes effect
])
def test_a_notice_or_order_expires_within_its_tactics_limit(app, world, code, starts_on, expires_on, allowed):
    errors = workflow.check_period(tactic(code), starts_on, expires_on)
    assert (not errors) is allowed, errors
    if not allowed:
        assert set(errors) == {"expires_on"}


def test_an_expiry_left_empty_is_the_latest_the_tactic_allows(app, world):
    action = plan(app, world, "section_116_notice", starts_on=date(2026, 8, 31))
    assert action.expires_on == date(2027, 2, 28) == add_months(date(2026, 8, 31), 6)
    with pytest.raises(Invalid) as refused:
        workflow.update_action(action, world["constable"], expires_on=date(2027, 3, 1))
    assert "must expire by 28 February 2027" in refused.value.fields["expires_on"]


# -- follow-ups on the right working day -------------------------------------------------------------------------

def sweep_on(app, monkeypatch, day):
    monkeypatch.setattr(workflow, "today", lambda: day)
    with app.app_context():
        workflow.follow_up_actions()


def sent(kind):
    return list(FollowUp.select().where(FollowUp.kind == kind))


def test_due_expiry_and_overdue_follow_ups_fire_once_on_the_right_working_day_across_christmas(
        app, world, monkeypatch):
    # Owned by the council, led by the police: reminders go to the council, the overdue notice to the police.
    due = plan(app, world, "taxi_compliance_check", kind="vehicle", record=world["vehicle"], owner=world["officer"],
               due_on=date(2026, 12, 29))
    late = plan(app, world, "premises_visit", owner=world["officer"], due_on=date(2026, 12, 24),
                operation=due.operation)
    expiring = plan(app, world, "section_116_notice", starts_on=date(2026, 7, 4), expires_on=date(2027, 1, 4),
                    operation=due.operation)
    FollowUp.delete().execute()

    # Two working days before Tue 29 Dec is Wed 23 Dec (24 Dec, then 25, 28 Dec are bank holidays).
    assert workflow.reminder_day(date(2026, 12, 29)) == date(2026, 12, 23)
    sweep_on(app, monkeypatch, date(2026, 12, 21))
    assert sent("action.due") == []
    sweep_on(app, monkeypatch, date(2026, 12, 22))  # two working days before Thu 24 Dec
    assert [f.record_id for f in sent("action.due")] == [late.id]
    sweep_on(app, monkeypatch, date(2026, 12, 23))
    reminders = sent("action.due")
    assert sorted((f.record_id, f.recipient_id) for f in reminders) == sorted(
        [(due.id, world["council"].id), (late.id, world["council"].id)])
    sweep_on(app, monkeypatch, date(2026, 12, 24))
    assert len(sent("action.due")) == 2

    # Due Thu 24 Dec: not overdue on Christmas Day, the weekend or Boxing Day's substitute; on Tue 29 Dec it is.
    for day in (date(2026, 12, 25), date(2026, 12, 26), date(2026, 12, 28)):
        sweep_on(app, monkeypatch, day)
        assert sent("action.overdue") == []
    sweep_on(app, monkeypatch, date(2026, 12, 29))
    assert [(f.record_id, f.recipient_id) for f in sent("action.overdue")] == [(late.id, world["police"].id)]
    # Expires Mon 4 Jan 2027 (1 Jan a bank holiday): reminded on Wed 30 Dec, not before, and once.
    assert sent("action.expiry") == []
    sweep_on(app, monkeypatch, date(2026, 12, 30))
    sweep_on(app, monkeypatch, date(2026, 12, 31))
    assert [(f.record_id, f.recipient_id) for f in sent("action.expiry")] == [(expiring.id, world["police"].id)]
    # The action due on the 29th is overdue from the 30th; nothing is sent twice.
    assert sorted(f.record_id for f in sent("action.overdue")) == sorted([late.id, due.id])


def test_a_moved_due_date_is_reminded_again_and_a_completed_action_never_overdue(app, world, monkeypatch):
    action = plan(app, world, "premises_visit", due_on=date(2026, 12, 2))
    sweep_on(app, monkeypatch, date(2026, 12, 1))
    assert len(sent("action.due")) == 1
    workflow.update_action(action, world["constable"], due_on=date(2026, 12, 10))
    sweep_on(app, monkeypatch, date(2026, 12, 8))
    assert len(sent("action.due")) == 2
    with app.test_request_context():
        workflow.change_action_status(action, "completed", world["constable"], outcome="Done.")
    sweep_on(app, monkeypatch, date(2026, 12, 14))
    assert sent("action.overdue") == []


# -- a licence review becomes a licensing recommendation -------------------------------------------------------

def test_a_licence_review_becomes_a_recommendation_and_the_operation_shows_its_outcome(app, client, log_in, world):
    log_in(world["constable"])
    with app.test_request_context():
        operation = operation_of(world)
        target = workflow.add_target(operation, "person", world["constable"], record=world["holder"])
    review = tactic("licence_review")
    form = client.get(f"/operations/targets/{target.id}/actions/new").get_data(as_text=True)
    assert "EB-OP-9" in form
    response = client.post(f"/operations/targets/{target.id}/actions/new", data={
        "tactic": review.id, "owner": "", "recommendation_action": "suspend", "licence": "",
        "grounds": "Operator's office linked to the premises under review; suspension pending enquiries."})
    action = DisruptionAction.get()
    assert response.location == f"/actions/{action.id}"
    recommendation = Recommendation.get()
    assert (action.recommendation_id, action.status) == (recommendation.id, "in_progress")
    assert (recommendation.licence_id, recommendation.action) == (world["licence"].id, "suspend")
    assert action.due_on == recommendation.due_on
    assert FollowUp.select().where((FollowUp.kind == "recommendation.made")
                                   & (FollowUp.recipient == world["council"])).count() == 1
    assert "Awaiting the licensing authority" in client.get(f"/actions/{action.id}").get_data(as_text=True)

    with app.test_request_context():
        licensing.decide(recommendation, "endorsed", "suspended", "Suspended pending the enquiries.",
                         world["officer"])
    page = client.get(f"/actions/{action.id}").get_data(as_text=True)
    assert "Decision: Endorsed" in page and f"/recommendations/{recommendation.id}" in page
    assert "Licensing: Endorsed" in client.get(f"/operations/{operation.id}").get_data(as_text=True)
    person_page = client.get(f"/records/people/{world['holder'].id}").get_data(as_text=True)
    assert "Disruption actions" in person_page and "licensing decision: endorsed" in person_page


def test_a_licence_review_without_grounds_or_a_live_licence_is_refused_with_every_reason(app, world):
    with pytest.raises(Invalid) as refused:
        plan(app, world, "licence_review", kind="vehicle", record=world["vehicle"])
    assert set(refused.value.fields) == {"licence_id", "grounds"}
    assert Recommendation.select().count() == 0 and DisruptionAction.select().count() == 0


# -- the board, targets and the tactics considered ---------------------------------------------------------------

def test_the_board_shows_targets_actions_by_status_an_escaped_map_and_a_timeline(app, client, log_in, world):
    world["hotel"].name = "Quay </script><b>Hotel</b>"
    world["hotel"].save()
    action = plan(app, world, "section_116_notice", starts_on=date(2026, 11, 20), due_on=date(2026, 11, 19))
    with app.test_request_context():
        workflow.add_target(action.operation, "person", world["constable"], record=world["holder"])
        workflow.add_target(action.operation, "place", world["constable"], lat=53.7, lon=-1.91,
                            description="Lay-by behind the retail park")
    log_in(world["constable"])
    page = client.get(f"/operations/{action.operation_id}").get_data(as_text=True)
    assert "</script><b>" not in page
    data = re.search(r'<script type="application/json" id="operation-map-data">(.*?)</script>', page, re.S).group(1)
    markers = json.loads(data)
    assert sorted(m["label"] for m in markers) == ["Lay-by behind the retail park", "Quay </script><b>Hotel</b>"]
    assert "no location yet" in page and "Dale Fenwick" in page
    assert "leaflet.js" in page and "js/operation-map.js" in page and "<script>" not in page
    timeline = page[page.index("Timeline"):]
    assert timeline.index("19 Nov 2026") < timeline.index("20 Nov 2026") < timeline.index("20 May 2027")
    assert client.get("/assets/leaflet/leaflet.js").status_code == 200
    assert AuditEvent.select().where(AuditEvent.action == "operation.read").count() == 1


def test_the_checklist_shows_each_applicable_tactic_used_ruled_out_or_not_considered(app, client, log_in, world):
    action = plan(app, world, "premises_visit")
    target = action.target
    log_in(world["constable"])
    closure = tactic("closure_notice")
    assert client.post(f"/operations/targets/{target.id}/considered", data={"tactic": closure.id, "reason": ""},
                       follow_redirects=True).status_code == 200
    assert TacticRuledOut.select().count() == 0  # no reason, no ruling out
    client.post(f"/operations/targets/{target.id}/considered",
                data={"tactic": closure.id, "reason": "No evidence of nuisance or disorder at the premises."})
    states = {t.code: state for t, state, _ in tactics_considered(target)}
    assert states["premises_visit"] == "used" and states["closure_notice"] == "ruled_out"
    assert states["section_116_notice"] == "not_considered" and "vehicle_stop" not in states
    page = client.get(f"/operations/targets/{target.id}").get_data(as_text=True)
    assert "No evidence of nuisance" in page and "Not considered" in page
    hotel_page = client.get(f"/records/premises/{world['hotel'].id}").get_data(as_text=True)
    assert "Tactics considered" in hotel_page and "Ruled out: No evidence of nuisance" in hotel_page
    client.post(f"/operations/targets/{target.id}/considered", data={"tactic": closure.id, "reconsider": "1"})
    assert TacticRuledOut.select().count() == 0


def test_a_forbidden_step_in_the_ui_says_why(app, client, log_in, world):
    action = plan(app, world, "premises_visit")
    log_in(world["constable"])
    page = client.post(f"/actions/{action.id}/status", data={"status": "completed", "outcome": ""},
                       follow_redirects=True).get_data(as_text=True)
    assert "Record the outcome when completing an action." in page
    client.post(f"/actions/{action.id}/status", data={"status": "abandoned", "outcome": "Premises closed down."})
    page = client.post(f"/actions/{action.id}/status", data={"status": "in_progress"},
                       follow_redirects=True).get_data(as_text=True)
    assert "cannot become in progress" in page
    assert DisruptionAction.get_by_id(action.id).status == "abandoned"


# -- the API -----------------------------------------------------------------------------------------------------

def test_the_api_plans_an_operation_and_its_actions_and_moves_them_on(app, client, world):
    police = bearer(auth.issue_token(world["constable"], "t"))
    answer = client.post("/api/v1/operations", headers=police, json={
        "name": "Operation Lantern", "objective": "Disrupt activity at the quay.", "starts_on": "2026-11-02"})
    assert answer.status_code == 201
    operation = answer.json
    assert {"id", "name", "objective", "starts_on"} <= set(operation) and operation["lead"]["id"] == world["police"].id

    url = f"/api/v1/operations/{operation['id']}/actions"
    answer = client.post(url, headers=police, json={
        "tactic_code": "taxi_compliance_check", "target_type": "vehicle", "target_id": world["vehicle"].id,
        "owner_id": world["officer"].id, "due_on": "2026-12-01"})
    assert answer.status_code == 201 and answer.json["status"] == "planned"
    check_id = answer.json["id"]
    answer = client.post(url, headers=police, json={
        "tactic_code": "vehicle_stop", "target_type": "place", "lat": 53.7, "lon": -1.9,
        "description": "Outside the school gates"})
    assert answer.status_code == 201 and answer.json["target"]["label"] == "Outside the school gates"
    answer = client.post(url, headers=police, json={
        "tactic_code": "section_116_notice", "target_type": "premises", "target_id": world["hotel"].id,
        "starts_on": "2026-12-01", "expires_on": "2027-06-02"})
    assert answer.status_code == 422 and set(answer.json["error"]["fields"]) == {"expires_on"}

    # The licensing officer owns the compliance check: moves it on, records the outcome; a step back is 409.
    council = bearer(auth.issue_token(world["officer"], "t"))
    answer = client.patch(f"/api/v1/actions/{check_id}", headers=council, json={"status": "in_progress"})
    assert answer.status_code == 200 and answer.json["status"] == "in_progress"
    answer = client.patch(f"/api/v1/actions/{check_id}", headers=council, json={
        "status": "completed", "outcome": "Vehicle and driver compliant.", "due_on": "2026-12-03"})
    assert answer.status_code == 200
    assert (answer.json["status"], answer.json["outcome"], answer.json["due_on"]) == (
        "completed", "Vehicle and driver compliant.", "2026-12-03")
    answer = client.patch(f"/api/v1/actions/{check_id}", headers=council, json={"status": "planned"})
    assert answer.status_code == 409 and answer.json["error"]["code"] == "conflict"
    assert DisruptionAction.get_by_id(check_id).status == "completed"
    other = bearer(auth.issue_token(world["other_officer"], "t"))
    assert client.patch(f"/api/v1/actions/{check_id}", headers=other, json={"outcome": "x"}).status_code == 403


def test_the_api_lists_every_bad_field_at_once(app, client, world):
    police = bearer(auth.issue_token(world["constable"], "t"))
    answer = client.post("/api/v1/operations", headers=police, json={"name": "", "starts_on": "2 Nov"})
    assert answer.status_code == 422 and set(answer.json["error"]["fields"]) == {"name", "objective", "starts_on"}
    operation = client.post("/api/v1/operations", headers=police, json={
        "name": "Op", "objective": "x", "starts_on": "2026-11-02"}).json
    answer = client.post(f"/api/v1/operations/{operation['id']}/actions", headers=police, json={
        "tactic_code": "no_such_tactic", "target_type": "person", "target_id": 999999, "due_on": "soon",
        "owner_id": "me"})
    assert answer.status_code == 422
    assert set(answer.json["error"]["fields"]) == {"tactic_code", "target_id", "due_on", "owner_id"}
    answer = client.post(f"/api/v1/operations/{operation['id']}/actions", headers=police, json={
        "tactic_code": "vehicle_stop", "target_type": "place"})
    assert set(answer.json["error"]["fields"]) == {"lat", "lon", "description"}
    assert OperationTarget.select().count() == 0
    assert client.patch("/api/v1/actions/999999", headers=police, json={}).status_code == 404


def test_partners_and_uninvolved_licensing_officers_are_refused(app, client, log_in, world):
    action = plan(app, world, "premises_visit")
    partner = bearer(auth.issue_token(world["partner"], "t"))
    assert client.post("/api/v1/operations", headers=partner, json={}).status_code == 403
    assert client.patch(f"/api/v1/actions/{action.id}", headers=partner, json={}).status_code == 403
    log_in(world["partner"])
    for url in ("/operations", f"/operations/{action.operation_id}", f"/actions/{action.id}",
                f"/operations/targets/{action.target_id}", "/disruption/tactics"):
        assert client.get(url).status_code == 403, url

    # A licensing officer sees an operation only once their authority owns an action in it; never plans.
    switch_to(client, log_in, world["officer"])
    assert client.get(f"/operations/{action.operation_id}").status_code == 403
    assert "Operation Lantern" not in client.get("/operations").get_data(as_text=True)
    plan(app, world, "premises_visit", operation=action.operation, owner=world["officer"])
    assert client.get(f"/operations/{action.operation_id}").status_code == 200
    assert client.get("/operations/new").status_code == 403
    officer = bearer(auth.issue_token(world["officer"], "t"))
    assert client.post("/api/v1/operations", headers=officer, json={}).status_code == 403
    # ...and may not move on the police's own action in it.
    assert client.post(f"/actions/{action.id}/status", data={"status": "in_progress"}).status_code == 403
    # A police officer of another force sees the operation but only its lead plans its status.
    switch_to(client, log_in, world["analyst"])
    assert client.get(f"/operations/{action.operation_id}").status_code == 200
    assert client.post(f"/operations/{action.operation_id}/status", data={"status": "active"}).status_code == 403


def test_seed_demo_adds_an_operation_with_actions_at_each_status_and_a_notice_near_expiry(app, runner):
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    runner.invoke(args=["seed-demo"])
    operation = Operation.get(Operation.name == "Operation Kestrel")
    assert {a.status for a in operation.actions} == {"planned", "in_progress", "completed", "abandoned"}
    assert {t.premises.name for t in operation.targets if t.kind == "premises"} >= {"Quayside Grill",
                                                                                   "Harbourside Hotel"}
    holder = next(t for t in operation.targets if t.kind == "person").person
    assert holder.licences.where(Licence.number == "EB-OP-001").exists()
    with app.app_context():
        notice = next(a for a in operation.actions if a.tactic.code == "section_116_notice")
        assert 0 < (notice.expires_on - workflow.today()).days <= 10
        assert notice.expires_on == add_months(notice.starts_on, 6)


# -- review fixes: who plans, who sees a licence review, audit, limits, queries -----------------------------------

def test_police_from_another_force_cannot_plan_in_an_operation_they_do_not_lead(app, client, log_in, world,
                                                                                 make_org, make_user):
    from werkzeug.exceptions import Forbidden
    outsider = make_user("police", organisation=make_org("police", name="Southshire Police"))
    action = plan(app, world, "premises_visit")
    operation, target = action.operation, action.target
    with app.test_request_context():
        with pytest.raises(Forbidden):
            workflow.add_target(operation, "premises", outsider, record=world["takeaway"])
        with pytest.raises(Forbidden):
            workflow.plan_action(operation, target, tactic("premises_visit"), outsider)
        with pytest.raises(Forbidden):
            workflow.rule_out(target, tactic("closure_notice"), "Not needed.", outsider)
    answer = client.post(f"/api/v1/operations/{operation.id}/actions", headers=bearer(auth.issue_token(outsider, "t")),
                         json={"tactic_code": "premises_visit", "target_type": "premises",
                               "target_id": world["takeaway"].id})
    assert answer.status_code == 403 and answer.json["error"]["code"] == "forbidden"
    log_in(outsider)
    assert client.post(f"/operations/{operation.id}/targets/new", data={
        "kind": "premises", "record_id": world["takeaway"].id}).status_code == 403
    assert client.get(f"/operations/targets/{target.id}/actions/new").status_code == 403
    assert client.post(f"/operations/targets/{target.id}/actions/new", data={
        "tactic": tactic("premises_visit").id}).status_code == 403
    assert client.post(f"/operations/targets/{target.id}/considered", data={
        "tactic": tactic("closure_notice").id, "reason": "Not needed."}).status_code == 403
    assert (OperationTarget.select().count(), DisruptionAction.select().count(), TacticRuledOut.select().count()) \
        == (1, 1, 0)


def test_another_councils_officer_does_not_see_the_licence_review_or_its_decision(app, client, log_in, world):
    from disruption.api import action_json
    review = plan(app, world, "licence_review", kind="person", record=world["holder"],
                  grounds="Operator linked to the premises under review.")
    # Westvale owns a check in the operation, so its officer sees the operation and the review action.
    plan(app, world, "taxi_compliance_check", kind="vehicle", record=world["vehicle"], owner=world["other_officer"],
         operation=review.operation)
    with app.test_request_context():
        licensing.decide(review.recommendation, "endorsed", "suspended", "Suspended pending enquiries.",
                         world["officer"])
        assert action_json(review, world["other_officer"])["recommendation"] is None
        assert action_json(review, world["officer"])["recommendation"]["outcome"] == "endorsed"
    log_in(world["other_officer"])
    page = client.get(f"/actions/{review.id}").get_data(as_text=True)
    assert "Licence review" in page and "Decision:" not in page and "EB-OP-9" not in page
    assert "Licensing: Endorsed" not in client.get(f"/operations/{review.operation_id}").get_data(as_text=True)
    assert "licensing decision" not in client.get(f"/records/people/{world['holder'].id}").get_data(as_text=True)
    switch_to(client, log_in, world["constable"])
    assert "Decision: Endorsed" in client.get(f"/actions/{review.id}").get_data(as_text=True)
    assert "Licensing: Endorsed" in client.get(f"/operations/{review.operation_id}").get_data(as_text=True)


def test_audit_reasons_carry_no_free_text_and_planning_discloses_to_the_owner(app, world):
    action = plan(app, world, "premises_visit", owner=world["officer"])
    with app.test_request_context():
        workflow.change_action_status(action, "completed", world["officer"], outcome="Manager spoken to at length.")
        workflow.rule_out(action.target, tactic("closure_notice"), "No evidence of disorder.", world["constable"])
    planned = AuditEvent.get(AuditEvent.action == "action.plan")
    assert json.loads(planned.recipients) == [world["council"].id]
    assert AuditEvent.get(AuditEvent.action == "action.status").reason == "planned -> completed"
    assert AuditEvent.get(AuditEvent.action == "tactic.rule_out").reason == "closure_notice"
    assert not AuditEvent.select().where(AuditEvent.reason.contains("length")
                                         | AuditEvent.reason.contains("disorder")).exists()


def test_a_tactic_ruled_out_for_a_target_cannot_be_deleted(app, world):
    action = plan(app, world, "premises_visit")
    closure = tactic("closure_notice")
    with app.test_request_context():
        workflow.rule_out(action.target, closure, "No evidence of disorder.", world["constable"])
        with pytest.raises(WorkflowError, match="ruled out for 1 target"):
            workflow.delete_tactic(closure, world["admin"])
    assert TacticRuledOut.select().count() == 1 and Tactic.get_or_none(Tactic.id == closure.id)


def test_the_api_refuses_date_changes_on_finished_actions_and_same_status_and_tells_the_lead_of_a_moved_due_date(
        app, client, world):
    action = plan(app, world, "premises_visit", owner=world["officer"], due_on=date(2026, 12, 1))
    council = bearer(auth.issue_token(world["officer"], "t"))
    FollowUp.delete().execute()
    answer = client.patch(f"/api/v1/actions/{action.id}", headers=council, json={"due_on": "2026-12-08"})
    assert answer.status_code == 200
    assert [(f.recipient_id, f.record_id) for f in sent("action.due_changed")] == [(world["police"].id, action.id)]
    answer = client.patch(f"/api/v1/actions/{action.id}", headers=council, json={"status": "planned"})
    assert answer.status_code == 409
    client.patch(f"/api/v1/actions/{action.id}", headers=council, json={"status": "completed", "outcome": "Done."})
    answer = client.patch(f"/api/v1/actions/{action.id}", headers=council, json={"due_on": "2026-12-20"})
    assert answer.status_code == 409
    assert DisruptionAction.get_by_id(action.id).due_on == date(2026, 12, 8)
    police = bearer(auth.issue_token(world["constable"], "t"))
    moved = plan(app, world, "premises_visit", due_on=date(2026, 12, 1), operation=action.operation)
    assert client.patch(f"/api/v1/actions/{moved.id}", headers=police, json={"due_on": "2026-12-02"}).status_code \
        == 200
    assert len(sent("action.due_changed")) == 1  # the lead moving its own date needs no notice


def test_a_closed_operation_takes_no_new_targets_or_rule_outs(app, world):
    action = plan(app, world, "premises_visit")
    with app.test_request_context():
        workflow.change_operation_status(action.operation, "closed", world["constable"])
        with pytest.raises(WorkflowError, match="closed"):
            workflow.add_target(action.operation, "premises", world["constable"], record=world["takeaway"])
        with pytest.raises(WorkflowError, match="closed"):
            workflow.rule_out(action.target, tactic("closure_notice"), "Not needed.", world["constable"])


@pytest.mark.parametrize("code,expires_on,allowed", [
    ("sexual_risk_order", date(2027, 12, 1), False), ("sexual_risk_order", date(2028, 12, 1), True),
    ("sexual_harm_prevention_order", date(2030, 12, 1), False),
    ("sexual_harm_prevention_order", date(2031, 12, 1), True)])
def test_sexual_risk_and_harm_prevention_orders_last_at_least_two_and_five_years(app, world, code, expires_on,
                                                                                 allowed):
    assert (tactic("sexual_risk_order").min_duration_days, tactic("sexual_harm_prevention_order").min_duration_days) \
        == (730, 1825)
    assert workflow.check_period(tactic(code), date(2026, 12, 1), expires_on) == ({} if allowed else {
        "expires_on": f"A {tactic(code).name.lower()} lasts at least {tactic(code).min_duration_days} days."})


def test_the_timeline_dates_a_completion_by_the_london_day(app, world):
    from datetime import datetime

    from disruption.views import timeline
    action = plan(app, world, "premises_visit")
    action.status, action.completed_at = "completed", datetime(2026, 7, 1, 23, 30)  # 00:30 on 2 July in London
    with app.test_request_context():
        events = timeline(action.operation, [action])
    assert (date(2026, 7, 2), "Premises visit and advice: Harbour View Hotel completed") in [e[:2] for e in events]


def count_queries(monkeypatch, client, path):
    from core.db import db
    count = [0]
    original = db.obj.execute_sql

    def counted(sql, params=None, *args, **kwargs):
        count[0] += 1
        return original(sql, params, *args, **kwargs)

    monkeypatch.setattr(db.obj, "execute_sql", counted)
    assert client.get(path).status_code == 200
    monkeypatch.undo()
    return count[0]


def test_the_operations_list_and_the_board_query_the_same_number_of_times_for_2_and_10_rows(
        app, client, log_in, world, monkeypatch):
    log_in(world["constable"])
    owners = [world["constable"], world["officer"], world["analyst"]]

    def grow(operation, rows):
        with app.test_request_context():
            for number in range(rows):
                name = f"{operation.name} {number}"
                kind, record = [("premises", Premises.create(name=f"Unit {name}", type="shop", address="x",
                                                             lat=53.7, lon=-1.9)),
                                ("person", Person.create(name=f"Sam Row {name}")),
                                ("vehicle", Vehicle.create(registration=f"Q{len(operation.name)}R{number:02d}XYZ",
                                                             make="Ford")),
                                ("place", None)][number % 4]
                target = workflow.add_target(operation, kind, world["constable"], record=record, lat=53.7,
                                             lon=-1.9, description=f"Lay-by {name}")
                code = {"premises": "premises_visit", "person": "community_protection_notice",
                        "vehicle": "vehicle_stop", "place": "vehicle_stop"}[kind]
                owner = owners[number % 3] if code == "premises_visit" else world["constable"]
                workflow.plan_action(operation, target, tactic(code), world["constable"], owner=owner,
                                     due_on=date(2026, 12, 1))
                workflow.create_operation(world["constable"], f"Extra {name}", "x", date(2026, 11, 2))

    small, large = operation_of(world, "Small"), operation_of(world, "Larger")
    for operation, rows in ((small, 2), (large, 10)):
        grow(operation, rows)
        with app.test_request_context():
            holder = workflow.add_target(operation, "person", world["constable"], record=world["holder"])
            workflow.plan_action(operation, holder, tactic("licence_review"), world["constable"], grounds="Linked.")
    assert count_queries(monkeypatch, client, f"/operations/{small.id}") == \
        count_queries(monkeypatch, client, f"/operations/{large.id}")
    assert count_queries(monkeypatch, client, "/operations?per_page=2") == \
        count_queries(monkeypatch, client, "/operations?per_page=10")
    exported = client.get("/operations?format=csv&q=Small").get_data(as_text=True).splitlines()
    assert "Small,Northshire Police,planned,2026-11-02,,3" in exported
    assert "Extra Small 0,Northshire Police,planned,2026-11-02,,0" in exported


def test_shared_helpers_live_in_core():
    from core import timeutil
    from disruption import models
    from licensing import duty_models
    assert models.add_months is duty_models.add_months is timeutil.add_months
    assert timeutil.add_months(date(2026, 8, 31), 6) == date(2027, 2, 28)
    assert workflow.london_today is timeutil.london_today and not hasattr(DisruptionAction, "completed_on_time")

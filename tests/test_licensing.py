"""Licensing end to end: flags, the review queue, recommendations, hearings and decisions, in the UI and the API."""
import csv
import io
from datetime import date, datetime, timedelta

import pytest
from test_api import bearer
from test_intelligence import count_queries

from core import auth
from core.audit import AuditEvent
from core.db import db, migration_runner, open_database
from core.errors import WorkflowError
from followups.models import FollowUp
from licensing import workflow
from licensing.models import (LICENCE_STATUSES, TRANSITIONS, Decision, Flag, HearingInvitation, Licence,
                              LicenceEvent, Recommendation, review_queue)
from records.models import Person, Vehicle
from worker import make_worker


@pytest.fixture
def world(make_org, make_user):
    """An authority and its officer, police, a specialist team, two partners, and a granted driver licence."""
    council = make_org("licensing", name="Eastbrook Council")
    police = make_org("police", name="Northshire Police")
    specialist = make_org("specialist", name="Eastbrook Exploitation Team")
    school = make_org("partner", name="Eastbrook Schools")
    youth = make_org("partner", name="Eastbrook Youth Service")
    officer = make_user("licensing_officer", organisation=council)
    holder = Person.create(name="Adrian Testwell")
    licence = workflow.create_licence(officer, kind="phv_driver", number="PH-1001", holder=holder, authority=council,
                                      status="granted", granted_on=date(2025, 4, 1))
    return {"council": council, "police": police, "specialist": specialist, "school": school, "youth": youth,
            "officer": officer, "constable": make_user("police", organisation=police),
            "analyst": make_user("specialist", organisation=specialist),
            "teacher": make_user("partner", organisation=school), "worker": make_user("partner", organisation=youth),
            "licence": licence}


def datetime_utc():
    return datetime(2026, 12, 3, 10, 0)


def deliver(app):
    """Run the queued follow-up deliveries as a worker would."""
    with app.app_context():
        make_worker(app).work(burst=True)


def switch_to(client, log_in, user):
    client.post("/logout")
    return log_in(user)


def test_the_whole_path_through_the_pages(app, client, log_in, world):
    licence = world["licence"]
    # 1. Police flag the driver and recommend revocation, naming two partners.
    log_in(world["constable"])
    response = client.post(f"/licences/{licence.id}/flags/new", data={
        "category": "cse_concern", "summary": "Vehicle seen repeatedly outside a children's home late at night."})
    assert response.status_code == 302
    switch_to(client, log_in, world["analyst"])  # the specialist team has its own concern
    client.post(f"/licences/{licence.id}/flags/new", data={"category": "conduct", "summary": "Seen at a location "
                                                           "of concern with no booking."})
    switch_to(client, log_in, world["constable"])
    response = client.post(f"/licences/{licence.id}/recommend", data={
        "action": "revoke", "grounds": "Repeated sightings and a graded intelligence report.",
        "partners": [world["school"].id, world["youth"].id], "due_in_working_days": 15})
    recommendation = Recommendation.get()
    assert response.location == f"/recommendations/{recommendation.id}"

    # 2. The licensing officer sees it in the queue, schedules a hearing and records "not endorsed".
    switch_to(client, log_in, world["officer"])
    queue = client.get("/licensing/queue").get_data(as_text=True)
    assert "Adrian Testwell" in queue and "PH-1001" in queue and "Revoke the licence" in queue
    assert client.get(f"/licences/{licence.id}").status_code == 200
    response = client.post("/hearings/new", data={"starts_at": "2026-12-03T10:00", "venue": "Committee room 2",
                                                  "licences": [licence.id]})
    assert response.status_code == 302
    invited = {i.organisation_id for i in HearingInvitation.select()}
    assert invited == {world["police"].id, world["specialist"].id}
    response = client.post(f"/recommendations/{recommendation.id}/decide", data={
        "outcome": "not_endorsed", "licence_action": "none",
        "reasons": "The panel found the evidence insufficient for revocation at this time."})
    assert response.status_code == 302
    assert Licence.get_by_id(licence.id).status == "granted"

    # 3. Both partners and the police find the outcome in their inboxes and acknowledge it.
    deliver(app)
    outcomes = {f.recipient_id: f for f in FollowUp.select().where(FollowUp.kind == "recommendation.outcome")}
    assert set(outcomes) == {world["police"].id, world["school"].id, world["youth"].id}
    for user in (world["teacher"], world["worker"], world["constable"]):
        switch_to(client, log_in, user)
        item = outcomes[user.organisation_id]
        inbox = client.get("/inbox").get_data(as_text=True)
        assert "Outcome: not endorsed, licence PH-1001" in inbox
        assert client.post(f"/inbox/{item.id}/ack").status_code == 302

    # 4. The recommendation shows both partners' acknowledgements (and the police's).
    switch_to(client, log_in, world["officer"])
    page = client.get(f"/recommendations/{recommendation.id}").get_data(as_text=True)
    assert "Not endorsed" in page
    for user in (world["teacher"], world["worker"]):
        assert f"by {user.name}" in page


def test_the_whole_path_through_the_api(app, client, world):
    licence = world["licence"]
    police = bearer(auth.issue_token(world["constable"], "police system"))
    council = bearer(auth.issue_token(world["officer"], "council system"))
    flag = client.post(f"/api/v1/licences/{licence.id}/flags", headers=police,
                       json={"category": "cse_concern", "summary": "Seen with unrelated young people at night."})
    assert flag.status_code == 201 and flag.json["status"] == "open"
    made = client.post("/api/v1/recommendations", headers=police, json={
        "licence_id": licence.id, "action": "revoke", "grounds": "Intelligence graded B2.",
        "notify_organisation_ids": [world["school"].id, world["youth"].id]})
    assert made.status_code == 201 and made.json["status"] == "open"
    recommendation_id = made.json["id"]

    listed = client.get("/api/v1/licences?flagged=true", headers=council).json
    assert [item["number"] for item in listed["items"]] == ["PH-1001"]
    detail = client.get(f"/api/v1/licences/{licence.id}", headers=council).json
    assert detail["flags"][0]["category"] == "cse_concern" and detail["history"][0]["to_status"] == "granted"

    decided = client.post(f"/api/v1/recommendations/{recommendation_id}/decision", headers=council,
                          json={"outcome": "not_endorsed", "licence_action": "none", "reasons": "Insufficient."})
    assert decided.status_code == 201 and decided.json["outcome"] == "not_endorsed"
    again = client.post(f"/api/v1/recommendations/{recommendation_id}/decision", headers=council,
                        json={"outcome": "endorsed", "licence_action": "revoked", "reasons": "Second thoughts."})
    assert again.status_code == 409 and again.json["error"]["code"] == "conflict"
    assert Licence.get_by_id(licence.id).status == "granted"

    deliver(app)
    for user in (world["teacher"], world["worker"], world["constable"]):
        headers = bearer(auth.issue_token(user, "partner system"))
        items = client.get("/api/v1/inbox?unacknowledged=true", headers=headers).json["items"]
        outcome = [item for item in items if item["kind"] == "recommendation.outcome"]
        assert len(outcome) == 1 and outcome[0]["record_id"] == recommendation_id
        assert client.post(f"/api/v1/inbox/{outcome[0]['id']}/ack", headers=headers).status_code == 200

    shown = client.get(f"/api/v1/recommendations/{recommendation_id}", headers=police).json
    assert shown["status"] == "decided" and shown["decision"]["outcome"] == "not_endorsed"
    outcomes = [d for d in shown["deliveries"] if d["kind"] == "recommendation.outcome"]
    assert {d["organisation_id"] for d in outcomes} == {world["police"].id, world["school"].id, world["youth"].id}
    assert all(d["status"] == "delivered" and d["acknowledged_at"] for d in outcomes)


def test_every_forbidden_transition_is_refused_and_allowed_ones_keep_history(world):
    officer = world["officer"]
    for number, start in enumerate(LICENCE_STATUSES):
        for target in LICENCE_STATUSES:
            licence = Licence.create(kind="phv_driver", number=f"T-{number}-{target}", holder=world["licence"].holder,
                                     authority=world["council"], status=start)
            if target in TRANSITIONS[start]:
                workflow.change_status(licence, target, "Test", officer)
                assert Licence.get_by_id(licence.id).status == target
                event = LicenceEvent.get(LicenceEvent.licence == licence)
                assert (event.from_status, event.to_status, event.user_id) == (start, target, officer.id)
            else:
                with pytest.raises(WorkflowError):
                    workflow.change_status(licence, target, "Test", officer)
                assert Licence.get_by_id(licence.id).status == start
                assert not LicenceEvent.select().where(LicenceEvent.licence == licence).exists()


def test_a_forbidden_transition_gets_a_clear_message_in_the_page(client, log_in, world):
    licence = world["licence"]
    log_in(world["officer"])
    response = client.post(f"/licences/{licence.id}/status", data={"status": "applied", "reason": "Try"},
                           follow_redirects=True)
    assert "A granted licence cannot become applied" in response.get_data(as_text=True)
    assert Licence.get_by_id(licence.id).status == "granted"


def test_a_forbidden_transition_in_a_decision_is_409_and_changes_nothing(client, world):
    licence = world["licence"]
    workflow.change_status(licence, "revoked", "Revoked earlier", world["officer"])
    recommendation = Recommendation.create(licence=licence, organisation=world["police"], action="suspend",
                                           grounds="x", due_on=date(2030, 1, 1))
    answer = client.post(f"/api/v1/recommendations/{recommendation.id}/decision",
                         headers=bearer(auth.issue_token(world["officer"], "t")),
                         json={"outcome": "endorsed", "licence_action": "suspended", "reasons": "Late."})
    assert answer.status_code == 409 and "cannot become suspended" in answer.json["error"]["message"]
    assert not Decision.select().exists()
    assert not FollowUp.select().where(FollowUp.kind == "recommendation.outcome").exists()


def test_another_authority_cannot_change_or_decide_on_a_licence(app, client, log_in, world, make_user, make_org):
    stranger = make_user("licensing_officer", organisation=make_org("licensing", name="Westfield Council"))
    licence = world["licence"]
    with app.app_context():
        recommendation = workflow.recommend(licence, "suspend", "Grounds", [], world["constable"])
    log_in(stranger)
    assert client.post(f"/licences/{licence.id}/status", data={"status": "suspended", "reason": "x"}).status_code == 403
    assert client.post(f"/recommendations/{recommendation.id}/decide").status_code == 403
    assert client.get(f"/recommendations/{recommendation.id}").status_code == 403
    page = client.get(f"/licences/{licence.id}").get_data(as_text=True)
    assert "Grounds" not in page and "Change status" not in page
    token = bearer(auth.issue_token(stranger, "t"))
    answer = client.post(f"/api/v1/recommendations/{recommendation.id}/decision", headers=token,
                         json={"outcome": "endorsed", "licence_action": "suspended", "reasons": "x"})
    assert answer.status_code == 403
    answer = client.post("/api/v1/licences", headers=token, json={
        "kind": "phv_driver", "number": "X1", "holder_id": licence.holder_id, "authority_id": world["council"].id})
    assert answer.status_code == 403


def test_a_partner_can_read_none_of_these_records(app, client, log_in, world):
    licence = world["licence"]
    with app.app_context():
        flag = workflow.raise_flag(licence, "conduct", "Complaint", world["constable"])
        recommendation = workflow.recommend(licence, "warn", "Grounds", [world["school"].id], world["constable"])
        hearing = workflow.schedule_hearing(world["council"], datetime_utc(), "", [licence], [world["school"].id],
                                            world["officer"])
    log_in(world["teacher"])
    for path in ("/licensing/queue", "/licences", f"/licences/{licence.id}", f"/flags/{flag.id}",
                 f"/recommendations/{recommendation.id}", "/hearings", f"/hearings/{hearing.id}",
                 f"/hearings/{hearing.id}/pack", f"/licences/{licence.id}/recommend"):
        assert client.get(path).status_code == 403, path
    token = bearer(auth.issue_token(world["teacher"], "t"))
    for path in ("/api/v1/licences", f"/api/v1/licences/{licence.id}", f"/api/v1/recommendations/{recommendation.id}"):
        assert client.get(path, headers=token).status_code == 403, path


def test_default_due_date_counts_working_days_across_christmas(app, world, monkeypatch):
    # Friday 18 December 2026: 25 and 28 December (Christmas, Boxing Day substitute) and 1 January do not count.
    monkeypatch.setattr(workflow, "today", lambda: date(2026, 12, 18))
    with app.app_context():
        recommendation = workflow.recommend(world["licence"], "suspend", "Grounds", [], world["constable"])
    # 15 working days: 21-24 Dec (4), 29-31 Dec (3), 4-8 Jan (5), 11-13 Jan (3).
    assert recommendation.due_on == date(2027, 1, 13)


def test_an_undecided_recommendation_past_its_due_date_escalates_once(app, world, monkeypatch):
    with app.app_context():
        recommendation = workflow.recommend(world["licence"], "suspend", "Grounds", [], world["constable"],
                                            due_on=date(2026, 1, 5))
        workflow.escalate_undecided_recommendations()
        workflow.escalate_undecided_recommendations()
    escalations = list(FollowUp.select().where(FollowUp.kind == "escalation"))
    assert {f.recipient_id for f in escalations} == {world["council"].id, world["police"].id}
    assert all(f.for_managers for f in escalations)
    assert Recommendation.get_by_id(recommendation.id).escalated_at is not None


def test_queue_sorts_filters_and_exports(app, client, log_in, world, make_org):
    officer, constable = world["officer"], world["constable"]
    holder = Person.create(name="Brian Example")
    other = workflow.create_licence(officer, kind="hackney_driver", number="HC-2002", holder=holder,
                                    authority=world["council"], status="granted")
    unflagged = workflow.create_licence(officer, kind="hackney_driver", number="HC-3003", holder=holder,
                                        authority=world["council"], status="granted")
    elsewhere = workflow.create_licence(officer, kind="phv_driver", number="W-1", holder=holder,
                                        authority=make_org("licensing"), status="granted")
    with app.app_context():
        workflow.raise_flag(world["licence"], "conduct", "First", constable)
        workflow.raise_flag(other, "cse_concern", "Second", constable)
        workflow.raise_flag(other, "conduct", "Third", constable)
        workflow.raise_flag(elsewhere, "conduct", "Elsewhere", constable)
        workflow.recommend(world["licence"], "suspend", "Grounds", [], constable, due_on=date(2030, 1, 2))
    log_in(officer)
    page = client.get("/licensing/queue?sort=flags").get_data(as_text=True)
    assert page.index("HC-2002") < page.index("PH-1001")
    assert unflagged.number not in page and "W-1<" not in page
    page = client.get("/licensing/queue?category=cse_concern").get_data(as_text=True)
    assert "HC-2002" in page and "PH-1001" not in page
    exported = client.get("/licensing/queue?format=csv&sort=due")
    rows = list(csv.reader(io.StringIO(exported.get_data(as_text=True))))
    assert rows[0][:3] == ["holder", "licence", "kind"]
    assert [row[1] for row in rows[1:]] == ["PH-1001", "HC-2002"]
    assert rows[1][6] == "2030-01-02" and int(rows[1][7]) > 0
    assert AuditEvent.select().where(AuditEvent.action == "review-queue.export").exists()


def test_every_queue_sort_and_filter_and_its_pages(app, client, log_in, world):
    officer, constable, council = world["officer"], world["constable"], world["council"]
    zoe = workflow.create_licence(officer, kind="phv_driver", number="PH-3001", holder=Person.create(name="Zoe Adams"),
                                  authority=council, status="granted")
    abe = workflow.create_licence(officer, kind="phv_driver", number="PH-3002", holder=Person.create(name="Abe Zane"),
                                  authority=council, status="applied")
    adrian = world["licence"]  # held by Adrian Testwell
    with app.app_context():
        for licence, category in ((zoe, "conduct"), (zoe, "conduct"), (abe, "cse_concern"), (adrian, "conduct")):
            workflow.raise_flag(licence, category, "A concern.", constable)
        workflow.recommend(zoe, "warn", "Grounds", [], constable, due_on=date(2030, 3, 1))
        workflow.recommend(adrian, "warn", "Grounds", [], constable, due_on=date(2030, 1, 1))
        workflow.close_flag(Flag.get(Flag.licence == adrian.id), "Dealt with.", officer)  # queued by its recommendation

    def queue(**arguments):
        return [row.number for row in review_queue(council.id, **arguments)]

    assert queue(sort="due") == ["PH-1001", "PH-3001", "PH-3002"]  # earliest decision due first, none last
    assert queue(sort="flags") == ["PH-3001", "PH-3002", "PH-1001"]  # 2 open flags, 1, none
    assert queue(sort="flagged") == ["PH-3002", "PH-3001", "PH-1001"]  # latest open flag first
    assert queue(sort="holder") == ["PH-3002", "PH-1001", "PH-3001"]  # Abe, Adrian, Zoe
    assert queue(status="applied") == ["PH-3002"] and queue(category="conduct") == ["PH-3001"]
    assert queue(q="zoe") == ["PH-3001"] and queue(q="ph-3002", sort="holder") == ["PH-3002"]
    adrian_row = next(row for row in review_queue(council.id) if row.id == adrian.id)
    assert (adrian_row.open_flags, adrian_row.last_flagged, adrian_row.next_due) == (0, None, date(2030, 1, 1))
    app.config["PER_PAGE"] = 2
    log_in(officer)
    second = client.get("/licensing/queue?sort=holder&page=2").get_data(as_text=True)
    assert "3 in all" in second and "PH-3001" in second and "PH-3002" not in second and "PH-1001" not in second


def test_the_queue_and_the_register_pages_run_as_many_statements_for_many_rows_as_for_one(
        app, client, log_in, world, monkeypatch):
    officer, constable, council = world["officer"], world["constable"], world["council"]
    log_in(officer)

    def statements(path):
        ran = count_queries(monkeypatch)
        assert client.get(path).status_code == 200
        monkeypatch.undo()
        return len(ran)

    with app.app_context():
        workflow.raise_flag(world["licence"], "conduct", "A concern.", constable)
    one = [statements(path) for path in ("/licensing/queue", "/licensing/queue?sort=holder", "/licences?q=testwell")]
    for n in range(4):
        licence = workflow.create_licence(officer, kind="phv_vehicle", number=f"PV-{n}",
                                          holder=Person.create(name=f"Ann Testwell {n}"), authority=council,
                                          status="granted", vehicle=Vehicle.create(registration=f"AB{n}2CDE"))
        with app.app_context():
            workflow.raise_flag(licence, "conduct", "A concern.", constable)
            workflow.recommend(licence, "warn", "Grounds", [], constable)
    many = [statements(path) for path in ("/licensing/queue", "/licensing/queue?sort=holder", "/licences?q=testwell")]
    assert many == one


def test_opening_a_flag_is_an_audited_read_and_the_authority_can_close_it(app, client, log_in, world):
    with app.app_context():
        flag = workflow.raise_flag(world["licence"], "conduct", "<script>alert(1)</script>", world["constable"])
    log_in(world["officer"])
    page = client.get(f"/flags/{flag.id}").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert(1)" not in page
    assert AuditEvent.select().where((AuditEvent.action == "flag.read")
                                     & (AuditEvent.user == world["officer"])).exists()
    client.post(f"/flags/{flag.id}/close", data={"reason": "Dealt with at panel"})
    assert Flag.get_by_id(flag.id).closed_at is not None
    assert "No flagged licences" in client.get("/licensing/queue").get_data(as_text=True)


def test_hearing_pack_and_record(app, client, log_in, world):
    licence = world["licence"]
    with app.app_context():
        workflow.raise_flag(licence, "cse_concern", "Summary of the concern", world["constable"])
        workflow.recommend(licence, "suspend", "The grounds for suspension", [], world["constable"])
        hearing = workflow.schedule_hearing(world["council"], datetime_utc(), "Town hall", [licence],
                                            [world["specialist"].id], world["officer"])
    log_in(world["officer"])
    pack = client.get(f"/hearings/{hearing.id}/pack").get_data(as_text=True)
    for text in ("PH-1001", "Adrian Testwell", "Summary of the concern", "The grounds for suspension",
                 "new &rarr; granted"):
        assert text in pack
    response = client.post(f"/hearings/{hearing.id}/record", data={
        "attended": [world["police"].id], "minutes": "Minutes of the panel", "decisions": "Adjourned"})
    assert response.status_code == 302
    attended = {i.organisation_id: i.attended for i in HearingInvitation.select()}
    assert attended == {world["police"].id: True, world["specialist"].id: False}
    switch_to(client, log_in, world["constable"])  # invited, so the police can see it
    assert "Minutes of the panel" in client.get(f"/hearings/{hearing.id}").get_data(as_text=True)


def test_api_validation_lists_every_bad_field(client, world):
    token = bearer(auth.issue_token(world["officer"], "t"))
    answer = client.post("/api/v1/licences", headers=token, json={"kind": "spaceship", "number": "",
                                                                  "holder_id": 999999, "granted_on": "yesterday"})
    assert answer.status_code == 422
    assert set(answer.json["error"]["fields"]) >= {"kind", "number", "holder_id", "authority_id", "granted_on"}
    made = client.post("/api/v1/licences", headers=token, json={
        "kind": "phv_driver", "number": "ph-9", "holder_id": world["licence"].holder_id,
        "authority_id": world["council"].id, "granted_on": "2026-01-01", "expires_on": "2029-01-01",
        "status": "granted"})
    assert made.status_code == 201 and made.json["number"] == "PH-9" and made.json["status"] == "granted"
    duplicate = client.post("/api/v1/licences", headers=token, json={
        "kind": "phv_driver", "number": "PH-9", "holder_id": world["licence"].holder_id,
        "authority_id": world["council"].id})
    assert duplicate.status_code == 422 and "number" in duplicate.json["error"]["fields"]
    police = bearer(auth.issue_token(world["constable"], "t"))
    answer = client.post("/api/v1/recommendations", headers=police, json={
        "licence_id": world["licence"].id, "action": "banish", "grounds": " ",
        "notify_organisation_ids": [424242], "due_on": (date.today() - timedelta(days=1)).isoformat()})
    assert answer.status_code == 422
    assert set(answer.json["error"]["fields"]) == {"action", "grounds", "notify_organisation_ids", "due_on"}


def test_seed_demo_adds_a_register_with_each_stage_once(app, runner):
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    runner.invoke(args=["seed-demo"])
    assert Licence.select().count() == 300
    assert Flag.select().where(Flag.closed_at.is_null()).count() == 12
    decided = {d.recommendation_id: d.outcome for d in Decision.select()}
    assert sorted(decided.values()) == ["endorsed", "not_endorsed"]
    with app.app_context():
        assert Recommendation.undecided().where(Recommendation.due_on < workflow.today()).count() == 1
        assert Recommendation.undecided().where(Recommendation.due_on >= workflow.today()).count() == 1
    not_endorsed = next(r for r, outcome in decided.items() if outcome == "not_endorsed")
    outcomes = list(FollowUp.select().where((FollowUp.kind == "recommendation.outcome")
                                            & (FollowUp.record_id == not_endorsed)))
    assert len(outcomes) == 3 and all(f.status == "delivered" for f in outcomes)
    assert sum(1 for f in outcomes if f.acknowledged_at) == 2
    assert HearingInvitation.select().count() == 2  # police and the specialist team, for a flagged licence


def test_flagging_a_holder_flags_each_live_licence_in_each_authoritys_queue(app, client, log_in, world, make_org):
    officer = world["officer"]
    holder = world["licence"].holder
    elsewhere = workflow.create_licence(officer, kind="phv_driver", number="W-77", holder=holder,
                                        authority=make_org("licensing", name="Westfield Council"), status="granted")
    workflow.create_licence(officer, kind="phv_driver", number="OLD-1", holder=holder, authority=world["council"],
                            status="revoked")
    log_in(world["analyst"])
    response = client.post(f"/people/{holder.id}/flag", data={"category": "cse_concern", "summary": "Seen at night"})
    assert response.location == f"/records/people/{holder.id}"
    assert {f.licence_id for f in Flag.select()} == {world["licence"].id, elsewhere.id}
    nobody = Person.create(name="No Licence")
    page = client.post(f"/people/{nobody.id}/flag", data={"category": "conduct", "summary": "x"},
                       follow_redirects=True).get_data(as_text=True)
    assert "holds no live licence here to flag" in page


def test_a_flagged_hearing_invites_the_forces_that_work_with_the_authority_and_no_others(app, world, make_org):
    elsewhere = make_org("police", name="Far Away Constabulary")
    with app.app_context():
        workflow.raise_flag(world["licence"], "conduct", "Complaint", world["constable"])
        hearing = workflow.schedule_hearing(world["council"], datetime_utc(), "", [world["licence"]], [],
                                            world["officer"])
    invited = {i.organisation_id for i in hearing.invitations}
    assert world["police"].id in invited and elsewhere.id not in invited


def test_a_stale_copy_cannot_change_a_licence_behind_another_change(world):
    first, second = Licence.get_by_id(world["licence"].id), Licence.get_by_id(world["licence"].id)
    workflow.change_status(first, "surrendered", "Handed back", world["officer"])
    with pytest.raises(WorkflowError, match="changed this licence's status"):
        workflow.change_status(second, "suspended", "Too late", world["officer"])
    assert Licence.get_by_id(world["licence"].id).status == "surrendered"


def test_another_authority_cannot_learn_which_of_our_licences_are_flagged(app, client, world, make_user, make_org):
    stranger = make_user("licensing_officer", organisation=make_org("licensing", name="Westfield Council"))
    with app.app_context():
        workflow.raise_flag(world["licence"], "conduct", "Complaint", world["constable"])
    token = bearer(auth.issue_token(stranger, "t"))
    assert client.get("/api/v1/licences?flagged=true", headers=token).json["total"] == 0
    police = bearer(auth.issue_token(world["constable"], "t"))
    assert client.get("/api/v1/licences?flagged=true", headers=police).json["total"] == 1


def test_search_matches_name_alias_number_and_registration_and_lists_each_licence_once(world):
    council, officer = world["council"], world["officer"]
    holder = Person.create(name="Bea Holloway", aliases="Bea Testwell")
    van = Vehicle.create(registration="AB12CDE")
    # Its number is also its registration, so it matches two ways.
    vehicle_licence = workflow.create_licence(officer, kind="phv_vehicle", number="AB12CDE", holder=holder,
                                              authority=council, status="granted", vehicle=van)

    def found(q, **filters):
        query = Licence.search(q=q, **filters)
        rows = [licence.number for licence in query]
        assert query.count() == len(rows)
        return rows

    assert found("testwell") == ["PH-1001", "AB12CDE"]  # by name, then by alias; ordered by holder name
    assert found("Adrian") == ["PH-1001"]
    for typed in ("PH-1001", "ph-1001", " Ph-1001 "):
        assert found(typed) == ["PH-1001"]
    for typed in ("AB12CDE", "ab12 cde", "Ab12-Cde", "AB12 CDE"):
        assert found(typed) == ["AB12CDE"]
    assert found("PH-100") == []  # numbers match whole, names in part
    assert found("testwell", status="granted", authority_id=council.id) == ["PH-1001", "AB12CDE"]
    assert found("testwell", flagged=True) == []
    assert vehicle_licence.id in {licence.id for licence in Licence.search(q="holloway")}
    assert found(None) == ["AB12CDE", "PH-1001"]  # with no term, the register newest first


def test_licence_search_matches_holders_names_as_the_records_search_does(app, client, log_in, world):
    council, officer = world["council"], world["officer"]
    for number, name in (("PH-2001", "Émile Roux"), ("PH-2002", "Kevin Ng"), ("PH-2003", "Lisa Wong"),
                         ("PH-2004", "Jo Anne Price")):
        workflow.create_licence(officer, kind="phv_driver", number=number, holder=Person.create(name=name),
                                authority=council, status="granted")
    police = bearer(auth.issue_token(world["constable"], "t"))

    def api(q):
        return sorted(item["number"] for item in client.get("/api/v1/licences", query_string={"q": q},
                                                            headers=police).json["items"])

    assert api("ÉMILE") == ["PH-2001"] and api("ng") == ["PH-2002"] and api("o%a") == [] and api("w") == []
    # An alias added by a bare UPDATE (as the register import adds them) is found at once.
    Person.update(aliases="Kay Ngata").where(Person.name == "Jo Anne Price").execute()
    assert api("ng") == ["PH-2002", "PH-2004"]
    log_in(officer)
    page = client.get("/licences?q=%C3%A9mile").get_data(as_text=True)
    assert "PH-2001" in page and "PH-2002" not in page
    with app.app_context():
        for number in ("PH-2001", "PH-2002"):
            workflow.raise_flag(Licence.get(Licence.number == number), "conduct", "Complaint.", world["constable"])
    queue = client.get("/licensing/queue?q=%C3%89MILE").get_data(as_text=True)  # the queue's filter too
    assert "PH-2001" in queue and "PH-2002" not in queue


def test_the_queue_takes_flags_and_recommendations_by_their_copied_authority(app, world, make_org):
    licence, constable = world["licence"], world["constable"]
    elsewhere = make_org("licensing", name="Westfield Council")

    def queue(authority):
        return [row.id for row in review_queue(authority.id)]

    assert queue(world["council"]) == []
    with app.app_context():
        flag = workflow.raise_flag(licence, "conduct", "Complaint from a passenger.", constable)
        assert Flag.get_by_id(flag.id).authority_id == world["council"].id
        assert queue(world["council"]) == [licence.id] and queue(elsewhere) == []
        recommendation = workflow.recommend(licence, "warn", "Conduct.", [], constable)
        assert Recommendation.get_by_id(recommendation.id).authority_id == world["council"].id
        workflow.close_flag(flag, "Resolved.", world["officer"])
        assert queue(world["council"]) == [licence.id]  # the undecided recommendation keeps it queued
        workflow.decide(recommendation, "endorsed", "warn", "Warned in writing.", world["officer"])
        assert queue(world["council"]) == []
    # A flag created without the workflow (licensing.duties creates its own) still gets the authority.
    direct = Flag.create(licence=licence, source=world["council"], category="dbs", summary="DBS check overdue.")
    assert direct.authority_id == world["council"].id and queue(world["council"]) == [licence.id]
    assert [row.id for row in review_queue(world["council"].id, q="ph-1001")] == [licence.id]


def test_migration_0009_copies_authorities_and_upper_cases_numbers(tmp_path):
    db.initialize(open_database(f"sqlite:///{tmp_path / 'old.db'}"))
    runner = migration_runner()
    runner.up("0008_meetings")
    for statement in (
            "INSERT INTO organisation (id, name, kind, active, created_at) VALUES (7, 'Old Council', 'licensing', 1, "
            "'2026-01-01'), (8, 'Old Police', 'police', 1, '2026-01-01')",
            "INSERT INTO person (id, name, aliases, created_at) VALUES (1, 'Cal Oldrow', '', '2026-01-01')",
            "INSERT INTO licence (id, kind, number, holder_id, authority_id, status, conditions, dbs_update_service, "
            "created_at) VALUES (1, 'phv_driver', 'ph-77', 1, 7, 'granted', '', 0, '2026-01-01')",
            "INSERT INTO flag (licence_id, source_id, category, summary, raised_at) "
            "VALUES (1, 8, 'other', 'Old flag', '2026-01-01')",
            "INSERT INTO recommendation (licence_id, organisation_id, action, grounds, due_on, created_at) "
            "VALUES (1, 8, 'warn', 'Old', '2026-02-01', '2026-01-01')"):
        db.execute_sql(statement)
    runner.up("0009_licensing_search")
    assert Flag.get().authority_id == 7 and Recommendation.get().authority_id == 7
    assert Licence.get().number == "PH-77"
    assert [row.id for row in review_queue(7)] == [1]
    assert runner.down("0009_licensing_search")[-1] == "0009_licensing_search"  # later migrations go first
    assert "authority_id" not in {column.name for column in db.get_columns("flag")}
    db.close()

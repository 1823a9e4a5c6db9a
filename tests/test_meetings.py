"""Multi-agency meetings (SPEC §4.3, L7): the record through the pages, who may read and change what, actions
escalated once when undelivered, and a pack of counts that respects handling codes and shows no entry's text."""
from datetime import date, datetime, timedelta

import pytest
from helpers import PASSWORD, csrf_token_from

from core.audit import AuditEvent
from core.models import Organisation
from disruption import meetings
from disruption.meetings import Meeting, MeetingAction, MeetingAttendance
from followups.models import FollowUp
from licensing import workflow
from licensing.models import Licence, Recommendation
from records.models import IntelligenceEntry, IntelligencePremises, IntelligenceRecipient, Person, Premises


def meeting_subjects(subject, organisation):
    """URL arguments for the meeting routes (for tests/test_permissions.py's route_subjects): a meeting recorded by
    subject's organisation that organisation attended, and an action of the meeting that organisation owns."""
    meeting = Meeting.create(title="Route meeting", held_at=datetime(2026, 11, 2, 10),
                             organisation=subject.organisation, chair_name="Route Chair",
                             chair_organisation=subject.organisation, created_by=subject)
    for organisation_id in {subject.organisation_id, organisation.id}:
        MeetingAttendance.create(meeting=meeting, organisation=organisation_id)
    action = MeetingAction.create(meeting=meeting, description="Route action", owner_organisation=organisation,
                                  due_on=date(2026, 12, 1))
    return {"meeting_id": meeting.id, "action_id": action.id}


@pytest.fixture
def world(make_org, make_user):
    police = make_org("police", name="Northshire Police")
    council = make_org("licensing", name="Eastbrook Council")
    school = make_org("partner", name="Eastbrook Schools")
    health = make_org("partner", name="Northshire Health")
    specialist = make_org("specialist", name="Eastbrook Exploitation Team")
    return {"police": police, "council": council, "school": school, "health": health, "specialist": specialist,
            "constable": make_user("police", organisation=police),
            "officer": make_user("licensing_officer", organisation=council),
            "teacher": make_user("partner", organisation=school),
            "nurse": make_user("partner", organisation=health),
            "analyst": make_user("specialist", organisation=specialist),
            "police_manager": make_user("manager", organisation=police),
            "school_manager": make_user("manager", organisation=school)}


def switch_to(client, log_in, user):
    client.post("/logout")
    return log_in(user)


def make_meeting(world, held_at=datetime(2026, 11, 10, 10), attending=("council", "school")):
    meeting = meetings.record_meeting(
        world["constable"], [world[name].id for name in attending], title="Eastbrook CSE operational group",
        held_at=held_at, chair_name="Insp. Carol Avery", chair_organisation=world["police"].id,
        minutes="Discussed the Station Road takeaway; police to share licensing concerns.",
        decisions="Ask the council to review two private hire licences.")
    return meeting


def test_recording_a_meeting_and_its_actions_through_the_pages(app, client, log_in, world):
    log_in(world["constable"])
    response = client.post("/meetings/new", data={
        "title": "Eastbrook CSE operational group", "held_at": "2026-11-10T10:00", "venue": "Station meeting room",
        "chair_is_me": "y", "attending": [world["council"].id, world["school"].id],
        "attendee_names": "Insp. Avery (police), R. Shah (licensing), T. Quinn (schools)",
        "minutes_owner_name": "R. Shah", "minutes_owner_organisation": world["council"].id,
        "minutes": "Discussed vehicles waiting near two schools.", "decisions": "Compliance checks at both schools."})
    meeting = Meeting.get()
    assert response.location == f"/meetings/{meeting.id}"
    assert meeting.chair_user_id == world["constable"].id and meeting.chair_organisation_id == world["police"].id
    assert meeting.held_at == datetime(2026, 11, 10, 10)  # 10:00 GMT in November is 10:00 UTC
    assert meeting.organisation_ids == {world["police"].id, world["council"].id, world["school"].id}
    assert AuditEvent.select().where((AuditEvent.action == "meeting.create")
                                     & (AuditEvent.record_id == meeting.id)).count() == 1

    response = client.post(f"/meetings/{meeting.id}/actions/new", data={
        "description": "Visit the two schools with the licensing team.", "owner_organisation": world["school"].id,
        "owner_user": world["teacher"].id, "due_on": "2026-11-24"})
    assert response.status_code == 302
    action = MeetingAction.get()
    assert (action.owner_organisation_id, action.owner_user_id, action.due_on) == (
        world["school"].id, world["teacher"].id, date(2026, 11, 24))
    told = FollowUp.get(FollowUp.kind == "meeting.action")
    assert told.recipient_id == world["school"].id
    client.post(f"/meetings/{meeting.id}/actions/new", data={
        "description": "Review the two licences.", "owner_organisation": world["council"].id, "due_on": "2026-11-30"})

    # An owner from another organisation is refused.
    response = client.post(f"/meetings/{meeting.id}/actions/new", data={
        "description": "Wrong owner.", "owner_organisation": world["council"].id, "owner_user": world["teacher"].id,
        "due_on": "2026-11-30"})
    assert response.status_code == 200 and "Choose someone from the owner organisation" in response.get_data(True)

    response = client.post(f"/meetings/{meeting.id}/edit", data={
        "title": "Eastbrook CSE operational group (November)", "held_at": "2026-11-10T10:00",
        "chair_name": "Insp. Carol Avery", "chair_organisation": world["police"].id,
        "attending": [world["council"].id, world["school"].id, world["health"].id],
        "minutes": "Discussed vehicles waiting near two schools.", "decisions": "Compliance checks at both schools."})
    assert response.status_code == 302
    meeting = Meeting.get_by_id(meeting.id)
    assert meeting.title.endswith("(November)") and world["health"].id in meeting.organisation_ids
    page = client.get(f"/meetings/{meeting.id}").get_data(True)
    assert "Discussed vehicles waiting" in page and "Review the two licences." in page

    # The school reads the meeting: decisions and its own action, not the minutes or another's action.
    switch_to(client, log_in, world["teacher"])
    page = client.get(f"/meetings/{meeting.id}").get_data(True)
    assert "Compliance checks at both schools." in page and "Visit the two schools" in page
    assert "Discussed vehicles waiting" not in page and "Review the two licences." not in page
    assert "T. Quinn" not in page
    response = client.post(f"/meeting-actions/{action.id}/deliver", data={"note": "Both schools visited on 20 Nov."})
    assert response.location == f"/meetings/{meeting.id}"
    action = MeetingAction.get_by_id(action.id)
    assert action.delivered and action.delivered_by_id == world["teacher"].id
    assert "Both schools visited" in client.get("/meeting-actions").get_data(True)
    # Delivered once only.
    client.post(f"/meeting-actions/{action.id}/deliver", data={"note": "Again."})
    assert MeetingAction.get_by_id(action.id).delivery_note == "Both schools visited on 20 Nov."
    assert AuditEvent.select().where(AuditEvent.action == "meeting.read").count() == 2


def test_who_may_read_change_and_deliver(app, client, log_in, world):
    meeting = make_meeting(world)
    with app.app_context():
        other = meetings.add_action(meeting, world["constable"], "Council action.", world["council"],
                                    date(2026, 11, 30))
        own = meetings.add_action(meeting, world["constable"], "School action.", world["school"], date(2026, 11, 30))

    # A partner that attended: reads, delivers its own action, but not another's; never creates, edits or packs.
    log_in(world["teacher"])
    assert client.get(f"/meetings/{meeting.id}").status_code == 200
    assert client.get(f"/meeting-actions/{own.id}/deliver").status_code == 200
    assert client.post(f"/meeting-actions/{other.id}/deliver", data={"note": "x"}).status_code == 403
    assert client.get("/meetings/new").status_code == 403
    assert client.get(f"/meetings/{meeting.id}/edit").status_code == 403
    assert client.get(f"/meetings/{meeting.id}/pack").status_code == 403
    assert "Eastbrook CSE operational group" in client.get("/meetings").get_data(True)

    # A partner that was not there sees nothing of it.
    switch_to(client, log_in, world["nurse"])
    assert client.get(f"/meetings/{meeting.id}").status_code == 403
    assert client.get(f"/meeting-actions/{own.id}/deliver").status_code == 403
    assert "Eastbrook CSE operational group" not in client.get("/meetings").get_data(True)

    # Staff of an organisation that was not there may neither read nor edit it.
    switch_to(client, log_in, world["analyst"])
    for url in (f"/meetings/{meeting.id}", f"/meetings/{meeting.id}/edit", f"/meetings/{meeting.id}/pack",
                f"/meetings/{meeting.id}/actions/new"):
        assert client.get(url).status_code == 403, url

    # Licensing staff who attended edit the record and record another organisation's delivery for it.
    switch_to(client, log_in, world["officer"])
    assert client.get(f"/meetings/{meeting.id}/edit").status_code == 200
    assert client.post(f"/meeting-actions/{own.id}/deliver", data={"note": "Reported done at the meeting."}
                       ).status_code == 302
    assert AuditEvent.select().where((AuditEvent.action == "meeting_action.deliver")
                                     & (AuditEvent.record_id == own.id)).count() == 1


def test_forms_need_their_csrf_token(settings, world):
    from app import create_app

    settings["WTF_CSRF_ENABLED"] = True
    client = create_app(settings).test_client()
    client.post("/login", data={"email": world["constable"].email, "password": PASSWORD,
                                "csrf_token": csrf_token_from(client.get("/login"))})
    assert csrf_token_from(client.get("/meetings/new"))  # the form carries one
    response = client.post("/meetings/new", data={"title": "No token", "held_at": "2026-11-10T10:00",
                                                  "chair_is_me": "y"})
    assert response.status_code == 400 and not Meeting.select().exists()


def test_an_undelivered_action_escalates_once_to_the_owner_and_the_chairs_managers(app, world, monkeypatch):
    meeting = make_meeting(world)
    with app.test_request_context():
        late = meetings.add_action(meeting, world["constable"], "Share the vehicle list.", world["council"],
                                   date(2026, 11, 20))
        meetings.add_action(meeting, world["constable"], "Not yet due.", world["school"], date(2026, 11, 27))
        done = meetings.add_action(meeting, world["constable"], "Delivered.", world["school"], date(2026, 11, 19))
        meetings.record_delivery(done, world["teacher"], "Done.")
    monkeypatch.setattr(meetings, "today", lambda: date(2026, 11, 20))
    with app.app_context():
        meetings.escalate_undelivered_actions()
    assert not FollowUp.select().where(FollowUp.kind == "escalation").exists()  # due today is not overdue yet

    monkeypatch.setattr(meetings, "today", lambda: date(2026, 11, 23))
    with app.app_context():
        meetings.escalate_undelivered_actions()
        meetings.escalate_undelivered_actions()
    escalations = list(FollowUp.select().where(FollowUp.kind == "escalation"))
    assert {f.recipient_id for f in escalations} == {world["council"].id, world["police"].id}
    assert len(escalations) == 2 and all(f.for_managers for f in escalations)
    assert all((f.record_type, f.record_id) == (MeetingAction._meta.table_name, late.id) for f in escalations)
    assert MeetingAction.get_by_id(late.id).escalated_at is not None
    assert AuditEvent.select().where(AuditEvent.action == "meeting_action.escalate").count() == 1


def entry(world, organisation, text, created_at, postcode=None, code="P", premises=(), recipients=()):
    record = IntelligenceEntry.create(text=text, source_evaluation=2, intelligence_assessment="B", handling_code=code,
                                      handling_conditions="Named organisations only" if code == "C" else "",
                                      occurred_at=created_at, place_postcode=postcode, organisation=organisation,
                                      created_at=created_at)
    for place in premises:
        IntelligencePremises.create(entry=record, premises=place)
    for recipient in recipients:
        IntelligenceRecipient.create(entry=record, organisation=recipient)
    return record


def test_the_pack_counts_intelligence_by_area_without_text_and_lists_what_is_open(app, client, log_in, world,
                                                                                  monkeypatch):
    previous = make_meeting(world, held_at=datetime(2026, 10, 13, 10))
    meeting = make_meeting(world, held_at=datetime(2026, 11, 10, 10))
    takeaway = Premises.create(name="Station Road Takeaway", type="takeaway", address="4 Station Road",
                               postcode="EB2 7LP")
    inside = datetime(2026, 10, 20, 12)
    entry(world, world["police"], "SECRET-ONE vehicle seen at the rear yard", inside, postcode="EB1 4QT")
    entry(world, world["police"], "SECRET-TWO", inside, postcode="EB1 9ZZ")
    entry(world, world["police"], "SECRET-THREE", inside, premises=[takeaway])
    entry(world, world["police"], "SECRET-FOUR", inside)
    entry(world, world["specialist"], "SECRET-FIVE restricted", inside, postcode="EB3 1AA", code="C")
    entry(world, world["specialist"], "SECRET-SIX shared with police", inside, postcode="EB3 1AA", code="C",
          recipients=[world["police"].id])
    entry(world, world["police"], "SECRET-OLD", datetime(2026, 10, 1), postcode="EB1 4QT")  # before the previous
    entry(world, world["police"], "SECRET-LATER", datetime(2026, 11, 15), postcode="EB1 4QT")  # after this one
    # An open action from the earlier meeting, and a recommendation past its due date.
    with app.app_context():
        meetings.add_action(previous, world["constable"], "Carry-over action.", world["council"], date(2026, 10, 30))
    licence = Licence.create(kind="phv_driver", number="PH-77", holder=Person.create(name="Dale Fenwick"),
                             authority=world["council"], status="granted")
    with app.test_request_context():
        recommendation = workflow.recommend(licence, "suspend", "GROUNDS-TEXT", [], world["constable"],
                                            due_on=date(2026, 11, 2))
    monkeypatch.setattr(meetings, "today", lambda: date(2026, 11, 23))

    log_in(world["constable"])
    page = client.get(f"/meetings/{meeting.id}/pack").get_data(True)
    assert "SECRET" not in page and "GROUNDS-TEXT" not in page
    assert "since the previous meeting" in page
    counts = dict(meetings.intelligence_counts_by_area(world["constable"], previous.held_at, meeting.held_at))
    assert counts == {"EB1": 2, "EB2": 1, "EB3": 1, "No postcode": 1}
    for area, count in counts.items():
        assert f"<td>{area}</td><td class=\"text-end\">{count}</td>" in page
    assert "Carry-over action." in page and "PH-77" in page and "Suspend the licence" in page
    assert "no hotspot cell changed in the period" in page.lower()  # no located events in this test
    assert AuditEvent.select().where((AuditEvent.action == "meeting.pack")
                                     & (AuditEvent.record_id == meeting.id)).count() == 1

    # The specialist team's own C-coded entry counts for it; the licensing authority sees neither C entry, and
    # only the recommendations addressed to it.
    assert dict(meetings.intelligence_counts_by_area(world["analyst"], previous.held_at, meeting.held_at))["EB3"] == 2
    assert "EB3" not in dict(meetings.intelligence_counts_by_area(world["officer"], previous.held_at, meeting.held_at))
    other = Organisation.create(name="Westvale Council", kind="licensing")
    Recommendation.update(due_on=date(2026, 11, 2)).where(Recommendation.id == recommendation.id).execute()
    switch_to(client, log_in, world["officer"])
    assert "PH-77" in client.get(f"/meetings/{meeting.id}/pack").get_data(True)
    Licence.update(authority=other).where(Licence.id == licence.id).execute()
    assert "PH-77" not in client.get(f"/meetings/{meeting.id}/pack").get_data(True)


def test_the_pack_names_no_meeting_and_no_action_the_reader_was_not_at(app, client, log_in, world):
    # Police chaired an earlier meeting the council was not at; the council attends the later one.
    private = meetings.record_meeting(world["constable"], [world["specialist"].id], title="POLICE-ONLY-MEETING",
                                      held_at=datetime(2026, 10, 13, 10), chair_name="Insp. Carol Avery",
                                      chair_organisation=world["police"].id)
    meeting = make_meeting(world, held_at=datetime(2026, 11, 10, 10))
    with app.app_context():
        meetings.add_action(private, world["constable"], "HIDDEN-ACTION for the specialist team.",
                            world["specialist"], date(2026, 10, 30))
        meetings.add_action(meeting, world["constable"], "Shared action.", world["council"], date(2026, 11, 30))

    log_in(world["officer"])
    page = client.get(f"/meetings/{meeting.id}/pack").get_data(True)
    assert "Shared action." in page
    assert "HIDDEN-ACTION" not in page and "POLICE-ONLY-MEETING" not in page
    assert "since the previous meeting" not in page
    start, _, previous = meetings.pack_period(meeting, world["officer"])
    assert previous is None and start == meeting.held_at - timedelta(days=meetings.DEFAULT_PACK_DAYS)
    assert [a.description for a in meetings.open_actions_for_pack(meeting, world["officer"])] == ["Shared action."]

    # The police, who were at both, see both.
    switch_to(client, log_in, world["constable"])
    page = client.get(f"/meetings/{meeting.id}/pack").get_data(True)
    assert "HIDDEN-ACTION" in page and "POLICE-ONLY-MEETING" in page


def _edit(client, meeting, **extra):
    data = {"title": meeting.title, "held_at": "2026-11-10T10:00", "chair_name": meeting.chair_name,
            "chair_organisation": meeting.chair_organisation_id,
            "attending": sorted(meeting.organisation_ids - {meeting.chair_organisation_id}),
            "minutes": meeting.minutes, "decisions": "Revised decisions."}
    return client.post(f"/meetings/{meeting.id}/edit", data=data | extra)


def test_editing_someone_elses_meeting_keeps_who_chaired_it(client, log_in, world):
    meeting = make_meeting(world)
    Meeting.update(chair_user=world["constable"]).where(Meeting.id == meeting.id).execute()

    # The council's officer corrects the record without touching "I chaired this meeting".
    log_in(world["officer"])
    assert _edit(client, Meeting.get_by_id(meeting.id)).status_code == 302
    meeting = Meeting.get_by_id(meeting.id)
    assert meeting.decisions == "Revised decisions." and meeting.chair_user_id == world["constable"].id

    # The chair unticks it: no longer recorded as theirs. Ticking it records whoever ticks.
    switch_to(client, log_in, world["constable"])
    assert _edit(client, meeting).status_code == 302
    assert Meeting.get_by_id(meeting.id).chair_user_id is None
    switch_to(client, log_in, world["officer"])
    assert _edit(client, meeting, chair_is_me="y").status_code == 302
    meeting = Meeting.get_by_id(meeting.id)
    assert meeting.chair_user_id == world["officer"].id and meeting.chair_organisation_id == world["council"].id


def test_a_first_meeting_covers_the_four_weeks_before_it(world):
    meeting = make_meeting(world)
    start, end, previous = meetings.pack_period(meeting, world["constable"])
    assert previous is None and end - start == timedelta(days=meetings.DEFAULT_PACK_DAYS)


def test_the_demo_meeting_has_delivered_overdue_and_open_actions(app):
    from core import demo

    with app.app_context():
        demo.seed()
        demo.seed()  # idempotent
    meeting = Meeting.get(Meeting.title == "Eastbrook multi-agency CSE operational group")
    assert Meeting.select().where(Meeting.title == meeting.title).count() == 1
    states = sorted(action.state for action in meeting.actions)
    assert states == ["delivered", "open", "overdue"]
    assert len(meeting.organisation_ids) == 5

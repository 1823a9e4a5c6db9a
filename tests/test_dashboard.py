"""The managers' performance dashboard (SPEC L8): each figure on hand-built data, scoped to the manager's
organisation, charts drawn as SVG on the server, the CSV export audited, and everyone but managers refused."""
import base64
import csv
import io
import re
from datetime import date, datetime

import pytest

from core import dashboard
from core.audit import AuditEvent
from core.models import Organisation
from disruption.models import DisruptionAction, Operation, OperationTarget, Tactic
from followups.models import FollowUp
from licensing.duty_models import RegisterEntry
from licensing.metrics import decision_working_days
from licensing.models import Decision, Licence, Recommendation
from records.models import IntelligenceEntry, Person, Premises

TODAY = date(2027, 1, 15)


@pytest.fixture
def world(make_org, make_user, monkeypatch):
    monkeypatch.setattr(dashboard, "today", lambda: TODAY)
    council = make_org("licensing", name="Eastbrook Council")
    police = make_org("police", name="Northshire Police")
    school = make_org("partner", name="Eastbrook Schools")
    return {"council": council, "police": police, "school": school,
            "council_manager": make_user("manager", organisation=council),
            "police_manager": make_user("manager", organisation=police),
            "school_manager": make_user("manager", organisation=school),
            "constable": make_user("police", organisation=police),
            "officer": make_user("licensing_officer", organisation=council),
            "teacher": make_user("partner", organisation=school)}


def licence(authority, number):
    return Licence.create(kind="phv_driver", number=number, holder=Person.create(name="Dale Fenwick"),
                          authority=authority, status="granted")


def decided(authority, recommender, made, decided_at, number):
    recommendation = Recommendation.create(licence=licence(authority, number), organisation=recommender,
                                           action="suspend", grounds="Grounds", due_on=date(2027, 1, 30),
                                           created_at=made)
    Decision.create(recommendation=recommendation, outcome="endorsed", licence_action="none", reasons="Reasons",
                    decided_at=decided_at)
    return recommendation


def metric_named(user, title):
    return next(m for m in dashboard.metrics_for(user) if m.title.startswith(title))


def test_median_working_days_counts_across_christmas_bank_holidays(app, world):
    council, police = world["council"], world["police"]
    # Thursday 24 December to Tuesday 29 December 2026: 25 and 28 December are bank holidays, so 1 working day.
    decided(council, police, datetime(2026, 12, 24, 9), datetime(2026, 12, 29, 15), "PH-1")
    decided(council, police, datetime(2026, 12, 1, 9), datetime(2026, 12, 1, 16), "PH-2")  # same day: 0
    decided(council, police, datetime(2026, 12, 18, 9), datetime(2026, 12, 30, 9), "PH-3")  # 6 working days
    # Another authority's, recommended by someone else: not the council's, so left out.
    other = Organisation.create(name="Westvale Council", kind="licensing")
    decided(other, other, datetime(2026, 12, 1, 9), datetime(2026, 12, 31, 9), "WV-1")
    # Decided more than 12 months ago: out of the window.
    decided(council, police, datetime(2025, 11, 3, 9), datetime(2025, 12, 30, 9), "PH-OLD")

    with app.test_request_context():
        figure = metric_named(world["council_manager"], "Working days from recommendation to decision")
        assert figure.value == "1 working day"
        assert ("Dec 2026", 3, 1) in figure.rows and ("Jan 2027", 0, None) in figure.rows
        assert "Eastbrook Council" in figure.scope
        # The police force that made them sees the same three.
        assert metric_named(world["police_manager"], "Working days").value == "1 working day"
    # Median of an even count is the mean of the middle two.
    assert dashboard.median([1, 6]) == 3.5
    # A decision at 00:30 London time in summer is the next London day, not the UTC one.
    made = Recommendation(created_at=datetime(2026, 6, 5, 12))  # Friday
    assert decision_working_days(made, Decision(decided_at=datetime(2026, 6, 7, 23, 30))) == 1  # Mon 8 June, London


def outcome(sender, recipient, status="queued", acknowledged=False, n=[0]):
    n[0] += 1
    return FollowUp.create(kind="recommendation.outcome", sender=sender, recipient=recipient, subject="Outcome",
                           body="Body", idempotency_key=f"key-{n[0]}-{recipient.id}", retry_until=datetime(2027, 2, 1),
                           status=status, created_at=datetime(2027, 1, 5, 10),
                           acknowledged_at=datetime(2027, 1, 6) if acknowledged else None)


def test_share_of_outcomes_delivered_and_acknowledged(app, world):
    council, police, school = world["council"], world["police"], world["school"]
    outcome(council, police, "delivered", acknowledged=True)
    outcome(council, school, "delivered", acknowledged=True)
    outcome(council, police, "delivered")
    outcome(council, school, "queued")
    # Not an outcome, and an outcome between other organisations: neither counts.
    FollowUp.create(kind="notice", sender=council, recipient=police, subject="s", body="b", idempotency_key="n1",
                    retry_until=datetime(2027, 2, 1), status="delivered", created_at=datetime(2027, 1, 5))
    other = Organisation.create(name="Westvale Council", kind="licensing")
    outcome(other, police, "queued")

    with app.test_request_context():
        figure = metric_named(world["council_manager"], "Outcomes delivered and acknowledged")
        assert figure.value == "75% delivered, 50% acknowledged"
        assert figure.rows[0] == ("Outcomes sent by Eastbrook Council", 4, 3, 2, "75%", "50%")
        assert figure.rows[1] == ("Outcomes sent to Eastbrook Council", 0, 0, 0, "–", "–")
        police_figure = metric_named(world["police_manager"], "Outcomes delivered")
        assert police_figure.rows[1] == ("Outcomes sent to Northshire Police", 3, 2, 1, "67%", "33%")


def test_actions_on_time_by_tactic_overdue_clocks_and_intelligence_volume(app, world):
    police = world["police"]
    operation = Operation.create(name="Operation Larch", objective="Disrupt", lead=police, starts_on=date(2026, 11, 1))
    hotel = Premises.create(name="Riverside Hotel", type="hotel", address="1 River Street")
    target = OperationTarget.create(operation=operation, kind="premises", premises=hotel)
    notice = Tactic.get(Tactic.code == "section_116_notice")
    visit = Tactic.get(Tactic.code == "premises_visit")

    def action(tactic, status, due_on, completed_at=None):
        return DisruptionAction.create(operation=operation, target=target, tactic=tactic, owner_organisation=police,
                                       status=status, due_on=due_on, completed_at=completed_at)

    action(notice, "completed", date(2026, 12, 10), datetime(2026, 12, 10, 23, 30))  # 23:30 UTC is 10 Dec in London
    action(notice, "completed", date(2026, 12, 10), datetime(2026, 12, 14, 9))  # late
    action(notice, "in_progress", date(2027, 1, 4))  # open past its due date
    action(notice, "planned", date(2027, 2, 1))  # not yet due: left out
    action(visit, "abandoned", date(2026, 12, 1))  # abandoned: left out
    action(visit, "completed", date(2026, 12, 20), datetime(2026, 12, 18, 12))

    council_licence = licence(world["council"], "PH-9")
    # Its DBS check is recent, so the register entry is the council's only open clock.
    Licence.update(dbs_checked_on=date.today()).where(Licence.id == council_licence.id).execute()
    RegisterEntry.create(licence=council_licence, authority=world["council"], name="Dale Fenwick", decision="revoked",
                         decision_on=date(2026, 1, 5), due_on=date(2026, 1, 12))
    IntelligenceEntry.create(text="x", source_evaluation=1, intelligence_assessment="A", handling_code="P",
                             occurred_at=datetime(2026, 12, 1), organisation=police, created_at=datetime(2026, 12, 1))
    IntelligenceEntry.create(text="y", source_evaluation=1, intelligence_assessment="A", handling_code="C",
                             occurred_at=datetime(2026, 12, 2), organisation=police, created_at=datetime(2026, 12, 2))
    IntelligenceEntry.create(text="z", source_evaluation=1, intelligence_assessment="A", handling_code="P",
                             occurred_at=datetime(2027, 1, 2), organisation=police, created_at=datetime(2027, 1, 2))

    with app.test_request_context():
        figure = metric_named(world["police_manager"], "Disruption actions completed on time")
        assert (notice.name, 3, 1, 1, 1, "33%") in figure.rows
        assert (visit.name, 1, 1, 0, 0, "100%") in figure.rows
        assert figure.value == "50% on time"
        volume = metric_named(world["police_manager"], "Intelligence volume by month")
        assert ("Dec 2026", 1, 1, 2) in volume.rows and ("Jan 2027", 1, 0, 1) in volume.rows
        assert volume.value == "3 entries"
        clocks = metric_named(world["council_manager"], "Overdue statutory clocks")
        assert clocks.value == "1 overdue"
        # Not every indicator applies everywhere: the police have no licensing clocks; partners see no
        # intelligence or operations.
        titles = {m.title for m in dashboard.metrics_for(world["police_manager"])}
        assert "Overdue statutory clocks" not in titles
        partner_titles = {m.title for m in dashboard.metrics_for(world["school_manager"])}
        assert partner_titles == {"Working days from recommendation to decision (median)",
                                  "Outcomes delivered and acknowledged"}


def test_the_page_draws_svg_charts_and_the_csv_export_is_audited(app, client, log_in, world):
    decided(world["council"], world["police"], datetime(2026, 12, 24, 9), datetime(2026, 12, 29, 15), "PH-1")
    outcome(world["council"], world["police"], "delivered", acknowledged=True)
    log_in(world["council_manager"])
    response = client.get("/dashboard")
    page = response.get_data(True)
    assert response.status_code == 200 and "Eastbrook Council" in page
    assert "img-src 'self' data:" in response.headers["Content-Security-Policy"]
    charts = re.findall(r'src="data:image/svg\+xml;base64,([^"]+)"', page)
    assert len(charts) >= 2
    svg = base64.b64decode(charts[0]).decode()
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg and "<script" not in svg
    # Nothing the browser would fetch: no link or import outside the SVG itself (namespace URIs are only names).
    assert not re.findall(r'(?:href|src)="(?!#)', svg) and "@import" not in svg and "url(http" not in svg

    response = client.get("/dashboard?format=csv")
    assert response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(True))))
    assert rows[0] == ["metric", "row", "column", "value"]
    assert ["Working days from recommendation to decision (median)", "Dec 2026", "median working days", "1"] in rows
    assert ["Outcomes delivered and acknowledged", "Outcomes sent by Eastbrook Council", "acknowledged", "1"] in rows
    assert AuditEvent.select().where(AuditEvent.action == "dashboard.export").count() == 1


@pytest.mark.parametrize("who", ["constable", "officer", "teacher"])
def test_only_managers_see_the_dashboard(client, log_in, world, who):
    log_in(world[who])
    assert client.get("/dashboard").status_code == 403
    assert client.get("/dashboard?format=csv").status_code == 403
    assert not AuditEvent.select().where(AuditEvent.action == "dashboard.export").exists()


def test_a_partner_manager_sees_only_what_applies(client, log_in, world):
    log_in(world["school_manager"])
    page = client.get("/dashboard").get_data(True)
    assert "Outcomes delivered and acknowledged" in page
    assert "Intelligence volume" not in page and "Disruption actions" not in page

"""Every endpoint has a declared rule, and the server gives each role exactly the declared answer."""
import pytest
from helpers import KIND_OF_ROLE
from test_disruption import disruption_subjects
from test_duties import duty_subjects
from test_hotspots import hotspot_subjects
from test_geocoding import geocoding_subjects
from test_intelligence import intelligence_subjects
from test_meetings import meeting_subjects

from core import auth
from core.permissions import PUBLIC, RULES, allows
from core.models import ApiToken, Organisation, User
from licensing.import_models import LicenceImport
from licensing.models import Licence

ROLES = ["anonymous", "licensing_officer", "police", "specialist", "partner", "manager", "admin"]


def endpoints(app):
    return sorted({rule.endpoint for rule in app.url_map.iter_rules()})


def test_every_endpoint_has_a_declared_rule(app):
    missing = [endpoint for endpoint in endpoints(app) if endpoint not in RULES]
    assert not missing, f"endpoints with no permission rule (add them to core/permissions.py): {missing}"


def test_no_rule_is_left_for_an_endpoint_that_is_gone(app):
    assert set(RULES) <= set(endpoints(app))


def test_an_endpoint_without_a_rule_is_refused(app, client, make_user, log_in, monkeypatch):
    monkeypatch.delitem(RULES, "core.home")
    log_in(make_user("admin"))
    assert client.get("/").status_code == 403


def route_subjects(app, user=None, other=None):
    """Records the routes' URL arguments point at: owned by user's organisation where that matters,
    and never user themself (so an admin deactivating one does not lock themselves out)."""
    from followups import outbox

    subject = other or User.create(email=f"subject{User.select().count()}@example.org", name="Subject",
                                   organisation=user.organisation if user else Organisation.create(
                                       name="Subject organisation", kind="police"),
                                   role="police", password_hash="x")
    token = ApiToken.issue(subject, "subject token")[0]
    recipient = user.organisation if user else subject.organisation
    with app.app_context():
        followup = outbox.send("notice", None, to=[recipient], subject="Route test", body="Text",
                               sender=subject.organisation)[0]
        outbox.deliver(followup.id)
    from records.models import Person, Premises, Vehicle

    person = Person.create(name="Route Subject")
    vehicle = Vehicle.get_or_create(registration="RT01ABC")[0]  # route_subjects may run twice per test
    premises = Premises.create(name="Route Cafe", type="takeaway", address="1 Route Street")
    licensing = licensing_subjects(app, user, subject, person)
    licence = Licence.get_by_id(licensing["licence_id"])
    licensing.update(duty_subjects(licence, Organisation.create(
        name=f"Duty authority {Organisation.select().count()}", kind="licensing")))
    licensing.update(disruption_subjects(user, subject, person, vehicle, premises))
    licensing.update(meeting_subjects(subject, recipient))
    licensing.update(intelligence_subjects(subject, person, vehicle, premises))
    licensing.update(hotspot_subjects(recipient))
    licensing.update(geocoding_subjects(premises))
    return {"user_id": subject.id, "organisation_id": recipient.id, "token_id": token.id,
            "followup_id": followup.id, "person_id": person.id, "vehicle_id": vehicle.id,
            "premises_id": premises.id, **licensing}


def licensing_subjects(app, user, subject, person):
    """A licence of the user's own authority (or another's, for other roles), flagged, recommended on and
    heard at a hearing the user's organisation is invited to."""
    from datetime import datetime

    from licensing import workflow

    own = user is not None and user.organisation.kind == "licensing"
    authority = user.organisation if own else Organisation.create(
        name=f"Subject authority {Organisation.select().count()}", kind="licensing")
    with app.app_context():
        licence = workflow.create_licence(subject, kind="phv_driver", number=f"RT-{Licence.select().count() + 1}",
                                          holder=person, authority=authority, status="granted")
        flag = workflow.raise_flag(licence, "conduct", "Route test", subject)
        recommendation = workflow.recommend(licence, "warn", "Route test", [], subject)
        invited = [user.organisation_id] if user is not None and not own else []
        hearing = workflow.schedule_hearing(authority, datetime(2026, 12, 3, 10), "", [licence], invited, subject)
        run = LicenceImport.create(authority=authority, filename="register.csv", dry_run=True, status="done")
    return {"licence_id": licence.id, "flag_id": flag.id, "recommendation_id": recommendation.id,
            "hearing_id": hearing.id, "import_id": run.id}


FILES = {"static": "app.css", "bootstrap.static": "css/bootstrap.min.css", "core.asset": "leaflet.js"}


def url_for_rule(rule, subjects):
    values = {argument: subjects[argument] for argument in rule.arguments if argument != "filename"}
    if "filename" in rule.arguments:
        values["filename"] = FILES[rule.endpoint]
    return rule.build(values)[1]


@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_the_declared_answer_on_every_endpoint(app, role, make_user, make_org):
    """Anonymous: login redirect (401 on the API). Refused role: 403. Allowed: the page itself."""
    client = app.test_client()
    headers = {}
    user = None
    if role != "anonymous":
        user = make_user(role, organisation=make_org(KIND_OF_ROLE[role]))
        client.post("/login", data={"email": user.email, "password": "correct horse battery staple"})
        headers = {"Authorization": f"Bearer {auth.issue_token(user, 'route test')}"}
    subjects = route_subjects(app, user)

    checked = 0
    for rule in app.url_map.iter_rules():
        declared = RULES[rule.endpoint]
        url = url_for_rule(rule, subjects)
        is_api = url.startswith("/api/")
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(url, method=method, headers=headers if is_api else {})
            where = f"{role} {method} {url} ({rule.endpoint})"
            if declared == PUBLIC or (user is not None and allows(declared, user)):
                assert response.status_code < 500, where
                assert response.status_code not in (401, 403), where
                assert not (response.location or "").startswith("/login?next="), where
                if method == "GET" and rule.endpoint not in ("core.login",):
                    assert response.status_code == 200, where
            elif user is None:
                if is_api:
                    assert response.status_code == 401, where
                    assert response.json["error"]["code"] == "unauthorised", where
                else:
                    assert response.status_code == 302, where
                    assert response.location.startswith("/login?next="), where
            else:
                assert response.status_code == 403, where
                if is_api:
                    assert response.json["error"]["code"] == "forbidden", where
            checked += 1
            if user is not None and rule.endpoint == "core.logout":
                client.post("/login", data={"email": user.email, "password": "correct horse battery staple"})
    assert checked >= len(RULES)


def test_require_own_organisation_refuses_another_organisations_record(app, make_user):
    from types import SimpleNamespace

    from flask_login import login_user
    from werkzeug.exceptions import Forbidden

    from core.permissions import require_own_organisation

    user = make_user("licensing_officer")
    with app.test_request_context():
        user.login_session = "x"
        login_user(user)
        own = SimpleNamespace(organisation_id=user.organisation_id)
        assert require_own_organisation(own) is own
        with pytest.raises(Forbidden):
            require_own_organisation(SimpleNamespace(organisation_id=user.organisation_id + 1))
        licence = SimpleNamespace(authority_id=user.organisation_id)
        assert require_own_organisation(licence, field="authority") is licence

"""Administration pages: organisations, users, tokens and the audit log, each audited."""
import csv
import io

from helpers import PASSWORD, login

from core import audit
from core.audit import AuditEvent
from core.models import ApiToken, Organisation, User


def rows(response):
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


def test_admin_creates_and_edits_an_organisation(client, make_user, log_in):
    log_in(make_user("admin"))
    response = client.post("/admin/organisations/new", data={"name": "  Westvale Youth Service ", "kind": "partner",
                                                             "active": "y"})
    assert response.status_code == 302
    organisation = Organisation.get(Organisation.name == "Westvale Youth Service")
    assert organisation.kind == "partner"
    again = client.post("/admin/organisations/new", data={"name": "Westvale Youth Service", "kind": "partner"})
    assert "Another organisation already has this name." in again.get_data(as_text=True)
    client.post(f"/admin/organisations/{organisation.id}", data={"name": "Westvale Youth Service", "kind": "partner"})
    assert Organisation.get_by_id(organisation.id).active is False
    assert [e.action for e in AuditEvent.search(record_type="organisation", record_id=organisation.id)] == [
        "organisation.update", "organisation.create"]


def test_organisation_list_searches_filters_and_exports(client, make_user, make_org, log_in):
    log_in(make_user("admin"))
    make_org("partner", name="Harbour Health Visitors")
    make_org("police", name="Harbour Constabulary")
    page = client.get("/admin/organisations?q=Harbour&kind=partner").get_data(as_text=True)
    assert "Harbour Health Visitors" in page and "Harbour Constabulary" not in page
    exported = rows(client.get("/admin/organisations?q=Harbour&format=csv"))
    assert exported[0] == ["id", "name", "kind", "active"]
    assert sorted(row[1] for row in exported[1:]) == ["Harbour Constabulary", "Harbour Health Visitors"]
    assert AuditEvent.search(action="organisations.export").get().reason == "q=Harbour&format=csv"


def test_admin_creates_a_user_who_can_then_log_in(app, client, make_user, make_org, log_in):
    log_in(make_user("admin"))
    licensing = make_org("licensing", name="Riverside Council")
    data = {"name": "Jo Fairley", "email": "Jo.Fairley@Example.org", "organisation": licensing.id,
            "role": "licensing_officer", "new_password": "a long enough password"}
    assert client.post("/admin/users/new", data=data).status_code == 302
    user = User.by_email("jo.fairley@example.org")
    assert user.role == "licensing_officer" and user.organisation == licensing
    assert login(app.test_client(), user, "a long enough password").status_code == 302
    assert AuditEvent.search(action="user.create", record_id=user.id).count() == 1


def test_user_form_explains_bad_input_and_keeps_what_was_typed(client, make_user, make_org, log_in):
    admin = make_user("admin")
    log_in(admin)
    police = make_org("police", name="Coastal Police")
    data = {"name": "Kim Dale", "email": admin.email, "organisation": police.id, "role": "partner",
            "new_password": "short"}
    page = client.post("/admin/users/new", data=data).get_data(as_text=True)
    assert "Another account already uses this email." in page
    assert "Use at least 12 characters." in page
    assert "has the role &#39;Police&#39;" in page or "has the role 'Police'" in page
    assert 'value="Kim Dale"' in page


def test_role_change_is_audited_and_ends_the_users_sessions(app, client, make_user, make_org, log_in):
    officer = make_user("police")
    browser = app.test_client()
    login(browser, officer)
    log_in(make_user("admin"))
    data = {"name": officer.name, "email": officer.email, "organisation": officer.organisation_id,
            "role": "manager", "new_password": ""}
    assert client.post(f"/admin/users/{officer.id}", data=data).status_code == 302
    assert User.get_by_id(officer.id).role == "manager"
    event = AuditEvent.search(action="user.role_change", record_id=officer.id).get()
    assert "role: police -> manager" in event.reason
    assert browser.get("/").status_code == 302  # logged out by the change
    assert login(app.test_client(), officer).status_code == 302  # password unchanged


def test_deactivate_and_reactivate_from_the_user_page(app, client, make_user, log_in):
    admin = make_user("admin")
    officer = make_user("partner")
    log_in(admin)
    page = client.get(f"/admin/users/{officer.id}").get_data(as_text=True)
    assert "Deactivate and end sessions" in page
    client.post(f"/admin/users/{officer.id}/active")
    assert User.get_by_id(officer.id).active is False
    assert login(app.test_client(), officer).status_code == 200
    client.post(f"/admin/users/{officer.id}/active")
    assert User.get_by_id(officer.id).active is True
    assert [e.action for e in AuditEvent.search(record_type="user", record_id=officer.id)] == [
        "user.reactivate", "login.failure", "user.deactivate", "user.create"]
    client.post(f"/admin/users/{admin.id}/active")
    assert User.get_by_id(admin.id).active is True  # cannot lock yourself out


def test_admin_unlocks_a_locked_account(app, client, make_user, log_in):
    officer = make_user("police")
    for _ in range(5):
        login(app.test_client(), officer, "wrong password!!")
    log_in(make_user("admin"))
    assert "Locked" in client.get(f"/admin/users/{officer.id}").get_data(as_text=True)
    client.post(f"/admin/users/{officer.id}/unlock")
    assert login(app.test_client(), officer).status_code == 302


def test_users_list_filters_and_exports(client, make_user, log_in):
    log_in(make_user("admin"))
    partner = make_user("partner", email="sam.partner@example.org")
    make_user("police", email="pat.police@example.org")
    page = client.get("/admin/users?role=partner").get_data(as_text=True)
    assert "sam.partner@example.org" in page and "pat.police@example.org" not in page
    exported = rows(client.get(f"/admin/users?organisation={partner.organisation_id}&format=csv"))
    assert [row[2] for row in exported[1:]] == ["sam.partner@example.org"]


def test_token_issue_shows_it_once_and_revoke_stops_it(app, client, make_user, log_in):
    admin = make_user("admin")
    officer = make_user("police")
    log_in(admin)
    page = client.post("/admin/tokens/new", data={"user": officer.id, "name": "Records system"})
    token = page.get_data(as_text=True).split('id="token">')[1].split("<")[0]
    api = app.test_client()
    assert api.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).json["email"] == officer.email
    record = ApiToken.get(ApiToken.user == officer)
    assert token not in record.token_hash and record.prefix == token[:12]
    listing = client.get("/admin/tokens").get_data(as_text=True)
    assert record.prefix in listing and token not in listing
    client.post(f"/admin/tokens/{record.id}/revoke")
    assert api.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert [e.action for e in AuditEvent.search(record_type="api_token")] == ["token.revoke", "token.issue"]


def test_audit_log_filters_and_exports_without_formulas(client, make_user, log_in):
    admin = make_user("admin")
    log_in(admin)
    audit.record("licence.read", record_type="licence", record_id=7, reason="=HYPERLINK(\"http://x\")",
                 user=admin)
    audit.record("person.read", record_type="person", record_id=3, user=admin)
    page = client.get("/admin/audit?record_type=licence").get_data(as_text=True)
    assert "licence.read" in page and "person.read" not in page
    exported = rows(client.get("/admin/audit?action=licence&format=csv"))
    assert len(exported) == 2
    assert exported[1][3] == "licence.read"
    assert exported[1][6] == "'=HYPERLINK(\"http://x\")"  # neutralised for spreadsheets
    assert AuditEvent.search(action="audit.export").count() == 1


def test_audit_filter_rejects_nonsense_with_a_message(client, make_user, log_in):
    log_in(make_user("admin"))
    page = client.get("/admin/audit?record_id=abc&since=2026-11-20&until=2026-11-01").get_data(as_text=True)
    assert "A record id is a whole number." in page
    assert "&#39;To&#39; is before &#39;From&#39;." in page


def test_audit_date_filter_uses_london_days(client, make_user, log_in):
    from datetime import datetime

    admin = make_user("admin")
    log_in(admin)
    # 23:30 UTC on 1 July is 00:30 on 2 July in London (BST).
    AuditEvent.create(action="late.event", at=datetime(2026, 7, 1, 23, 30), user=admin)
    on_second = client.get("/admin/audit?since=2026-07-02&until=2026-07-02").get_data(as_text=True)
    on_first = client.get("/admin/audit?since=2026-07-01&until=2026-07-01").get_data(as_text=True)
    assert "late.event" in on_second and "late.event" not in on_first


def test_password_is_never_in_the_audit_log(app, make_user):
    user = make_user("police")
    login(app.test_client(), user, "my secret attempt")
    assert not any("my secret attempt" in (e.reason or "") + (e.actor_label or "")
                   for e in AuditEvent.select())
    assert PASSWORD not in "".join((e.reason or "") for e in AuditEvent.select())


def test_admin_home_shows_locked_accounts_and_failed_logins(app, client, make_user, log_in):
    officer = make_user("police", email="locked.out@example.org")
    for _ in range(5):
        login(app.test_client(), officer, "wrong password!!")
    log_in(make_user("admin"))
    home = client.get("/").get_data(as_text=True)
    assert "Locked accounts" in home and "locked.out@example.org" in home
    assert "5 failed logins" in home


def test_home_for_other_roles_shows_their_own_panels_not_the_admins(client, make_user, log_in):
    log_in(make_user("partner"))
    home = client.get("/").get_data(as_text=True)
    assert "Everything in your inbox is acknowledged." in home and "Locked accounts" not in home


def test_audit_log_filters_by_user_email_including_failed_logins_for_unknown_emails(app, client, make_user, log_in):
    officer = make_user("police", email="tom.h@example.org")
    login(app.test_client(), officer, "wrong password!!")
    login(app.test_client(), "ghost@example.org", "whatever")
    log_in(make_user("admin"))
    page = client.get("/admin/audit?user=Tom.H@example.org").get_data(as_text=True)
    assert "login.failure" in page and "ghost@example.org" not in page
    page = client.get("/admin/audit?user=ghost@example.org").get_data(as_text=True)
    assert "ghost@example.org" in page and "tom.h@example.org" not in page


def test_exporting_users_is_audited(client, make_user, log_in):
    log_in(make_user("admin"))
    client.get("/admin/users?format=csv").get_data()
    assert AuditEvent.search(action="users.export").count() == 1

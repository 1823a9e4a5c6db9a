"""The JSON API's foundation: bearer tokens, /me, /organisations and the error shape (SPEC §5.1)."""
from helpers import login

from core import auth
from core.models import ApiToken


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def test_me_answers_with_the_tokens_user_and_organisation(client, make_user):
    user = make_user("licensing_officer")
    body = client.get("/api/v1/me", headers=bearer(auth.issue_token(user, "test"))).json
    assert body == {"id": user.id, "email": user.email, "name": user.name, "role": "licensing_officer",
                    "organisation": {"id": user.organisation.id, "name": user.organisation.name,
                                     "kind": "licensing"}}
    assert ApiToken.get(ApiToken.user == user).last_used_at is not None


def test_organisations_is_a_paginated_list_of_active_ones(client, make_user, make_org):
    user = make_user("police")
    for number in range(3):
        make_org("partner", name=f"Partner {number}")
    make_org("partner", name="Closed partner", active=False)
    body = client.get("/api/v1/organisations?per_page=2&page=2", headers=bearer(auth.issue_token(user, "t"))).json
    assert body["page"] == 2 and body["per_page"] == 2 and body["total"] == 4
    assert [item["name"] for item in body["items"]] == ["Partner 2", user.organisation.name]
    assert set(body["items"][0]) == {"id", "name", "kind"}
    # Totals are exact whether the page is full, short, or asked for past the end (which answers the last page).
    for query, page, total, names in (("per_page=3&page=2", 2, 4, [user.organisation.name]),
                                      ("per_page=10", 1, 4, None), ("per_page=2&page=9", 2, 4, None),
                                      ("per_page=4&page=2", 1, 4, None)):
        body = client.get(f"/api/v1/organisations?{query}", headers=bearer(auth.issue_token(user, "t"))).json
        assert (body["page"], body["total"]) == (page, total), query
        assert names is None or [item["name"] for item in body["items"]] == names


def test_missing_wrong_and_revoked_tokens_get_401_json(client, make_user):
    user = make_user("police")
    token = auth.issue_token(user, "t")
    for headers in ({}, bearer("dit_not-a-real-token"), {"Authorization": "Basic abc"}):
        response = client.get("/api/v1/me", headers=headers)
        assert response.status_code == 401
        assert response.json["error"]["code"] == "unauthorised"
        assert response.headers["WWW-Authenticate"] == "Bearer"
    auth.revoke_token(ApiToken.get(ApiToken.user == user), by=user)
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 401


def test_a_browser_session_does_not_authorise_the_api(client, make_user):
    user = make_user("police")
    login(client, user)
    assert client.get("/").status_code == 200
    assert client.get("/api/v1/me").status_code == 401


def test_a_token_does_not_open_the_web_pages(client, make_user):
    token = auth.issue_token(make_user("admin"), "t")
    assert client.get("/admin/users", headers=bearer(token)).status_code == 302


def test_api_refusals_are_403_json(client, make_user, monkeypatch):
    from core.permissions import ADMIN, RULES

    monkeypatch.setitem(RULES, "api.organisations", ADMIN)
    response = client.get("/api/v1/organisations", headers=bearer(auth.issue_token(make_user("partner"), "t")))
    assert response.status_code == 403
    assert response.json["error"]["code"] == "forbidden"

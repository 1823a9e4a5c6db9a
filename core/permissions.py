"""Who may use which endpoint: the one table of rules, enforced before every request.

Every endpoint the app serves must appear in RULES. An endpoint without a rule is refused
(and tests/test_permissions.py fails), so no route can forget its check.
"""
from flask import abort, current_app, jsonify, redirect, request, url_for
from flask_login import current_user

PUBLIC = "public"          # anyone, logged in or not
LOGGED_IN = "logged_in"    # any active user

ADMIN = frozenset({"admin"})
CASEWORK = frozenset({"police", "specialist"})
LICENSING = frozenset({"licensing_officer"})
MANAGERS = frozenset({"manager"})
STAFF = frozenset({"police", "specialist", "licensing_officer"})
# Everyone who works for an organisation's casework: all roles but a plain administrator.
MEMBERS = frozenset({"police", "specialist", "licensing_officer", "partner", "manager"})
# Who logs locations of concern for the hotspot maps (SPEC §4.4).
CONCERN_LOGGERS = frozenset({"specialist", "partner"})

RULES = {
    # core: sign-in, home, health, static files (Leaflet is a public library file)
    "static": PUBLIC,
    "bootstrap.static": PUBLIC,
    "core.asset": PUBLIC,
    "core.health": PUBLIC,
    "core.login": PUBLIC,
    "core.logout": LOGGED_IN,
    "core.home": LOGGED_IN,
    "core.change_password": LOGGED_IN,
    # administration
    "admin.organisations": ADMIN,
    "admin.organisation_new": ADMIN,
    "admin.organisation_edit": ADMIN,
    "admin.users": ADMIN,
    "admin.user_new": ADMIN,
    "admin.user_edit": ADMIN,
    "admin.user_active": ADMIN,
    "admin.user_unlock": ADMIN,
    "admin.tokens": ADMIN,
    "admin.token_new": ADMIN,
    "admin.token_revoke": ADMIN,
    "admin.audit": ADMIN,
    # follow-ups: the organisation's inbox and what it sent; delivery operations for administrators
    "followups.inbox": MEMBERS,
    "followups.item": MEMBERS,
    "followups.acknowledge": MEMBERS,
    "followups.sent": MEMBERS,
    "followups.operations": ADMIN,
    "followups.admin_item": ADMIN,
    "followups.retry": ADMIN,
    "followups.delivery_settings": ADMIN,
    # records: people, vehicles, premises (never partners: SPEC §2)
    "records.search": STAFF,
    "records.person": STAFF,
    "records.person_new": STAFF,
    "records.vehicle": STAFF,
    "records.vehicle_new": STAFF,
    "records.premises": STAFF,
    "records.premises_new": STAFF,
    "records.premises_link": STAFF,
    # licensing: the authority manages its licences; police and specialists flag and recommend
    "licensing.queue": LICENSING,
    "licensing.licences": STAFF,
    "licensing.licence": STAFF,
    "licensing.licence_new": LICENSING,
    "licensing.licence_status": LICENSING,
    "licensing.flag_new": CASEWORK,
    "licensing.holder_flag": CASEWORK,
    "licensing.flag": STAFF,
    "licensing.flag_close": LICENSING,
    "licensing.recommendation_new": CASEWORK,
    "licensing.recommendation": STAFF,
    "licensing.decision_new": LICENSING,
    "licensing.hearings": STAFF,
    "licensing.hearing_new": LICENSING,
    "licensing.hearing": STAFF,
    "licensing.hearing_record": LICENSING,
    "licensing.hearing_pack": STAFF,
    # licence register import (licensing/imports.py)
    "licence_import.imports": LICENSING,
    "licence_import.result": LICENSING,
    "licence_import.status": LICENSING,
    "licence_import.import_for_real": LICENSING,
    # -- end licence register import
    # statutory duties (licensing/duties.py): the authority's own duties, so licensing officers only; the
    # views also check the record is their authority's (a concern: the sharing or, once sent, the receiving one)
    "duties.overview": LICENSING,
    "duties.concerns": LICENSING,
    "duties.concern_new": LICENSING,
    "duties.concern": LICENSING,
    "duties.concern_send": LICENSING,
    "duties.concern_decision": LICENSING,
    "duties.register_entries": LICENSING,
    "duties.register_entry": LICENSING,
    "duties.register_entry_submit": LICENSING,
    "duties.searches": LICENSING,
    "duties.search_new": LICENSING,
    "duties.information_request": LICENSING,
    "duties.information_received": LICENSING,
    "duties.information_close": LICENSING,
    "duties.dbs_due": LICENSING,
    "duties.dbs_check": LICENSING,
    "duties.self_reports": LICENSING,
    "duties.self_report_new": LICENSING,
    # -- end statutory duties
    # intelligence, links and the network view (records/intelligence*, records/links.py): who reads which entry
    # is decided per entry by its handling code (IntelligenceEntry.visible_to); only police and specialists record
    "records.intelligence_list": STAFF,
    "records.intelligence_new": CASEWORK,
    "records.intelligence_entry": STAFF,
    "records.intelligence_open": STAFF,
    "records.person_connections": STAFF,
    "records.vehicle_connections": STAFF,
    "records.premises_connections": STAFF,
    "records.person_network": STAFF,
    "records.vehicle_network": STAFF,
    "records.premises_network": STAFF,
    "records.vis_network_js": STAFF,
    "records.vis_network_css": STAFF,
    # -- end intelligence
    # disruption: tactics, operations, actions (disruption/)
    # Police and specialists plan operations, targets and actions and rule tactics out; licensing officers see the
    # operations their authority leads or owns an action in and move on the actions it owns (views check both);
    # admins keep the catalogue; partners never see any of it.
    "disruption.tactics": STAFF | ADMIN,
    "disruption.tactic_new": ADMIN,
    "disruption.tactic_edit": ADMIN,
    "disruption.tactic_delete": ADMIN,
    "disruption.operations": STAFF,
    "disruption.operation_new": CASEWORK,
    "disruption.operation": STAFF,
    "disruption.operation_edit": CASEWORK,
    "disruption.operation_status": CASEWORK,
    "disruption.target_new": CASEWORK,
    "disruption.target": STAFF,
    "disruption.rule_out": CASEWORK,
    "disruption.action_new": CASEWORK,
    "disruption.action": STAFF,
    "disruption.action_status": STAFF,
    "disruption.action_dates": STAFF,
    # -- end disruption
    # meetings and the performance dashboard (disruption/meetings*, dashboard)
    # Staff keep meetings' records; every member role may read a meeting its organisation was at (the view
    # checks that) and record delivery of its own organisation's actions. The pack carries intelligence
    # counts, so never partners.
    "meetings.meetings": MEMBERS,
    "meetings.actions": MEMBERS,
    "meetings.meeting": MEMBERS,
    "meetings.meeting_new": STAFF,
    "meetings.meeting_edit": STAFF,
    "meetings.action_new": STAFF,
    "meetings.action_deliver": MEMBERS,
    "meetings.meeting_pack": STAFF,
    "dashboard.dashboard": MANAGERS,
    # -- end meetings
    # hotspots: geocoding (hotspots/locations.py, geocoding_views.py)
    # Police and specialists see the records no geocoder could place and place them by hand (the views show only
    # the records each may see: intelligence under its handling code); only admins switch the online geocoder on.
    "geocoding.needs_location": CASEWORK,
    "geocoding.place": CASEWORK,
    "geocoding.place_open": CASEWORK,
    "geocoding.place_save": CASEWORK,
    "geocoding.geocoder": ADMIN,
    # -- end hotspots: geocoding
    # hotspots: maps and locations of concern (hotspots/map_views.py). Every member role sees the map; the view
    # shows records (points, names, links) only to police and specialists and suppressed cells to everyone else.
    # The cell page lists records, so police and specialists only. Specialists and partners log locations of
    # concern and see their own organisation's (the view checks the organisation).
    "maps.hotspot_map": MEMBERS,
    "maps.printable": MEMBERS,
    "maps.cell": CASEWORK,
    "maps.concerns": CONCERN_LOGGERS,
    "maps.concern_new": CONCERN_LOGGERS,
    "maps.concern": CONCERN_LOGGERS,
    # -- end hotspots
    # JSON API (bearer tokens)
    "api.me": LOGGED_IN,
    "api.organisations": LOGGED_IN,
    "followups_api.inbox": MEMBERS,
    "followups_api.acknowledge": MEMBERS,
    "records_api.person_create": STAFF,
    "records_api.vehicle_create": STAFF,
    "records_api.premises_create": STAFF,
    "records_api.premises_get": STAFF,
    "licensing_api.licence_create": LICENSING,
    "licensing_api.licence_list": STAFF,
    "licensing_api.licence_get": STAFF,
    "licensing_api.flag_create": CASEWORK,
    "licensing_api.recommendation_create": CASEWORK,
    "licensing_api.recommendation_get": STAFF,
    "licensing_api.decision_create": LICENSING,
    # intelligence API
    "records_api.intelligence_create": CASEWORK,
    "records_api.intelligence_list": STAFF,
    "records_api.intelligence_get": STAFF,
    # -- end intelligence API
    # disruption API
    "disruption_api.tactic_list": STAFF,
    "disruption_api.operation_create": CASEWORK,
    "disruption_api.action_create": CASEWORK,
    "disruption_api.action_update": STAFF,
    # -- end disruption API
    "hotspots_api.hotspots": MEMBERS,
}


def rule_for(endpoint):
    return RULES.get(endpoint)


def allows(rule, user):
    """Whether user (possibly anonymous) passes rule."""
    if rule == PUBLIC:
        return True
    if not user.is_authenticated:
        return False
    if rule == LOGGED_IN:
        return True
    return bool(user.roles & rule)


def can(endpoint):
    """Whether the current user may use endpoint: for showing links; the server check is enforce()."""
    rule = rule_for(endpoint)
    return rule is not None and allows(rule, current_user)


def enforce():
    """before_request hook: refuse what the table does not allow."""
    if request.endpoint is None:
        return None  # 404 or 405: let routing answer
    rule = rule_for(request.endpoint)
    if rule is None:
        current_app.logger.error("No permission rule for endpoint %s: refused", request.endpoint)
        abort(403)
    if allows(rule, current_user):
        return None
    if not current_user.is_authenticated:
        if request.path.startswith("/api/"):
            response = jsonify(error={"code": "unauthorised",
                                      "message": "Send a valid token as 'Authorization: Bearer <token>'.",
                                      "fields": {}})
            response.status_code = 401
            response.headers["WWW-Authenticate"] = "Bearer"
            return response
        return redirect(url_for("core.login", next=request.full_path.rstrip("?")))
    abort(403)


def require_own_organisation(record, field="organisation"):
    """Object-level check: 403 unless record belongs to the current user's organisation."""
    if getattr(record, f"{field}_id") != current_user.organisation_id:
        abort(403)
    return record

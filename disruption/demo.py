"""Demo disruption: an operation against a fictional takeaway and its linked taxi operator with actions at each
status, the tactics considered, and a hotel whose section 116 notice is close to expiry. Fictional throughout."""
from datetime import timedelta

from core.demo import demo_seeder
from core.models import User
from core.workdays import add_working_days
from disruption import workflow
from disruption.models import Operation, Tactic, add_months
from licensing.demo import seed_licensing
from licensing.models import Licence
from records.models import Premises, PremisesPerson

OPERATION = "Operation Kestrel"


def _premises(name, type, address, postcode, lat=None, lon=None):
    premises, _ = Premises.get_or_create(name=name, defaults=dict(type=type, address=address, postcode=postcode,
                                                                 lat=lat, lon=lon,
                                                                 location_precision="address" if lat else None,
                                                                 location_source="demo" if lat else None))
    return premises


@demo_seeder
def seed_disruption():
    if Operation.select().where(Operation.name == OPERATION).exists():
        return
    seed_licensing()  # the operator licence EB-OP-001 comes from the licensing demo; it returns at once if there
    tactic = {t.code: t for t in Tactic.select()}
    constable, analyst, officer = (User.by_email("police@example.org"), User.by_email("specialist@example.org"),
                                   User.by_email("licensing@example.org"))
    today = workflow.today()
    operator = Licence.get(Licence.number == "EB-OP-001")
    takeaway = _premises("Quayside Grill", "takeaway", "14 Quay Street, Eastbrook", "EB1 4QT", 53.7412, -1.8957)
    office = _premises(f"{operator.holder.name} Private Hire office", "taxi_office", "3 Station Approach, Eastbrook",
                       "EB1 2AA")  # no location yet: the board lists it as such
    hotel = _premises("Harbourside Hotel", "hotel", "1 Harbour Road, Eastbrook", "EB2 7HR", 53.7388, -1.9031)
    for premises in (takeaway, office):
        PremisesPerson.get_or_create(premises=premises, person=operator.holder, role="owner")

    operation = workflow.create_operation(
        constable, OPERATION, "Disrupt the activity reported around the Quayside Grill and the private hire operator "
        "linked to it: reduce the opportunities for harm and gather what is needed for licensing and civil action.",
        today - timedelta(days=21), today + timedelta(days=70))
    workflow.change_operation_status(operation, "active", constable)
    grill = workflow.add_target(operation, "premises", constable, record=takeaway)
    holder = workflow.add_target(operation, "person", constable, record=operator.holder)
    workflow.add_target(operation, "premises", constable, record=office)
    lay_by = workflow.add_target(operation, "place", constable, lat=53.7431, lon=-1.8902,
                                 description="Lay-by on Mill Lane used as an unofficial pick-up point")
    vehicle = next((licence.vehicle for licence in operator.drivers if licence.vehicle_id), None)

    # Planned, in progress (and overdue), completed and abandoned.
    workflow.plan_action(operation, grill, tactic["premises_visit"], constable, owner=analyst,
                         due_on=add_working_days(today, 5),
                         notes="Joint visit: safeguarding awareness for staff, late-night delivery practices.")
    # The operator licence's review is left for the demo user to request from this target's page (a request
    # becomes a licensing recommendation; the licensing demo's own counts of recommendations stay as they are).
    workflow.rule_out(holder, tactic["child_abduction_warning_notice"], "Not applicable: no named young person "
                                                                       "is linked to this person.", constable)
    check = workflow.plan_action(operation, lay_by, tactic["taxi_compliance_check"], constable, owner=officer,
                                 due_on=today - timedelta(days=7))
    workflow.change_action_status(check, "completed", officer,
                                  outcome="Six vehicles checked; one advisory on signage, no other issues found.")
    if vehicle is not None:
        target = workflow.add_target(operation, "vehicle", constable, record=vehicle)
        stop = workflow.plan_action(operation, target, tactic["vehicle_stop"], constable,
                                    due_on=today - timedelta(days=10))
        workflow.change_action_status(stop, "abandoned", constable,
                                      outcome="Vehicle taken off the road by its owner; no longer needed.")
    overdue = workflow.plan_action(operation, grill, tactic["community_protection_notice"], constable,
                                   owner=officer, due_on=add_working_days(today, -3))
    workflow.change_action_status(overdue, "in_progress", officer, note="Written warning drafted.")
    workflow.rule_out(grill, tactic["closure_notice"], "No evidence of disorder or nuisance at present; "
                                                      "review after the joint visit.", constable)

    # The hotel's section 116 notice took effect nearly six months ago, so it expires within days.
    starts_on = add_months(today, -6) + timedelta(days=5)
    harbour = workflow.add_target(operation, "premises", constable, record=hotel)
    notice = workflow.plan_action(operation, harbour, tactic["section_116_notice"], constable, starts_on=starts_on)
    workflow.change_action_status(notice, "completed", constable,
                                  outcome="Notice served on the duty manager; guest information provided on request.")

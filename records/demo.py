"""Demo intelligence: three licensed drivers of the demo register linked to a takeaway and a taxi office, in P- and
C-coded entries written neutrally. Fictional throughout; no child is named or described."""
from datetime import timedelta

from core.demo import demo_seeder
from core.models import Organisation, User
from core.timeutil import utcnow
from records import intelligence, workflow
from records.models import Premises

TAKEAWAY = "Eastgate Grill"
TAXI_OFFICE = "Brookside Cars office"
DRIVER_LICENCES = ("EB-PH-0001", "EB-PH-0002", "EB-PH-0003")


@demo_seeder
def seed_intelligence():
    # The licensing register is seeded first (app.py imports licensing.demo before this module).
    from licensing.models import Licence  # licensing sits above records; only the demo reaches up for its data

    if Premises.select().where(Premises.name == TAKEAWAY).exists():
        return
    drivers = [Licence.get_or_none(Licence.number == number) for number in DRIVER_LICENCES]
    if not all(drivers):
        return
    constable = User.by_email("police@example.org")
    analyst = User.by_email("specialist@example.org")
    team = Organisation.get(Organisation.name == "Northshire Multi-Agency CSE Team")
    takeaway = workflow.create_premises(constable, TAKEAWAY, "takeaway", "14 Eastgate Parade, Eastbrook", "EB1 4QT")
    office = workflow.create_premises(constable, TAXI_OFFICE, "taxi_office", "2 Station Yard, Eastbrook", "EB2 7LX")
    owner = workflow.create_person(constable, "Kenneth Ashworth")
    workflow.link_person(constable, takeaway, owner, "owner")
    # The taxi office is run by the holder of the first driver's operator licence, so its drivers connect to it.
    operator = drivers[0].operator
    if operator is not None:
        workflow.link_person(constable, office, operator.holder, "operator")

    def entry(author, days_ago, text, grading, people, places, conditions="", organisations=()):
        source, assessment, code = grading
        return intelligence.create_entry(
            author, text=text, source_evaluation=int(source), intelligence_assessment=assessment, handling_code=code,
            handling_conditions=conditions, organisation_ids=[o.id for o in organisations],
            occurred_at=utcnow() - timedelta(days=days_ago, hours=3),
            place_address=places[0].address, place_postcode=places[0].postcode,
            person_ids=[d.holder_id for d in people],
            vehicle_ids=[d.vehicle_id for d in people if d.vehicle_id], premises_ids=[p.id for p in places])

    first, second, third = drivers
    entry(constable, 40, "Two licensed private hire vehicles parked outside the takeaway for over an hour in the "
          "evening, engines running, with no booking recorded by their operator.", "2BP", [first, second], [takeaway])
    entry(constable, 26, "The first of those vehicles again parked outside the takeaway late in the evening; the "
          "driver went inside and returned after twenty minutes.", "1AP", [first], [takeaway])
    entry(constable, 12, "Reporting that a driver collects from the takeaway at closing time and returns to the "
          "taxi office without a recorded fare. Source protected; corroboration sought.", "2CC", [third],
          [takeaway, office], conditions="Police and the multi-agency CSE team only; do not disclose to the "
          "operator or the driver without the originator's agreement.", organisations=[team])
    entry(analyst, 5, "Dispatch records seen during a compliance visit show the taxi office sending the same "
          "drivers to the takeaway several times a week.", "2BP", [second, third], [office, takeaway])

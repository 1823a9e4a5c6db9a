"""Demo licensing register: a few hundred fictional licences, some flagged, recommendations at each stage,
one hearing, one overdue recommendation and one decision that was not endorsed and reached the partners."""
import random
from datetime import date, datetime, timedelta

from core.demo import demo_seeder
from core.models import Organisation, User
from core.timeutil import utcnow
from followups import outbox
from followups.models import FollowUp
from licensing import workflow
from licensing.models import Licence
from records.models import Person, Vehicle

AUTHORITY = "Eastbrook Borough Council Licensing"
FIRST_NAMES = ["Aaron", "Bilal", "Carl", "Darren", "Emre", "Faisal", "Gary", "Hamza", "Ian", "Jamal", "Kevin",
               "Liam", "Marek", "Nadeem", "Owen", "Paul", "Rashid", "Sean", "Tariq", "Usman", "Victor", "Wayne",
               "Yusuf", "Zoltan", "Andrea", "Beverley", "Claire", "Dawn", "Fatima", "Joanne"]
LAST_NAMES = ["Ashford", "Bramley", "Carrow", "Denholm", "Ellery", "Fenwick", "Garside", "Holloway", "Ingham",
              "Jessop", "Kershaw", "Lomax", "Marsden", "Naylor", "Oldroyd", "Pickles", "Quarmby", "Ramsden",
              "Sutcliffe", "Thackray", "Uttley", "Varley", "Whiteley", "Yeadon"]
MAKES = [("Toyota", "Prius"), ("Skoda", "Octavia"), ("Ford", "Galaxy"), ("Kia", "Niro"), ("Hyundai", "Ioniq"),
         ("Volkswagen", "Passat"), ("LEVC", "TX")]
COLOURS = ["Silver", "Black", "White", "Grey", "Blue"]
REGISTER_SIZE = 300


def _organisation(name):
    return Organisation.get(Organisation.name == name)


def _user(email):
    return User.by_email(email)


def _register(authority, officer, rng):
    """REGISTER_SIZE licences: operators, drivers (most granted) and their vehicles."""
    operators = []
    for number in range(1, 6):
        owner = Person.create(name=f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
                              date_of_birth=date(1960 + number * 3, number, 10 + number))
        operators.append(workflow.create_licence(
            officer, kind="phv_operator", number=f"EB-OP-{number:03d}", holder=owner, authority=authority,
            status="granted", granted_on=date(2024, number, 1), expires_on=date(2029, number, 1)))
    licences = []
    for number in range(1, REGISTER_SIZE - len(operators) + 1):
        holder = Person.create(name=f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
                               date_of_birth=date(rng.randint(1958, 2000), rng.randint(1, 12), rng.randint(1, 28)))
        hackney = number % 4 == 0
        make, model = MAKES[-1] if hackney else rng.choice(MAKES[:-1])
        vehicle = Vehicle.create(registration=f"EB{number % 90 + 10:02d}{chr(65 + number % 26)}"
                                              f"{chr(65 + number // 26 % 26)}{chr(65 + number // 676 % 26)}",
                                 make=make, model=model, colour=rng.choice(COLOURS))
        granted = date(2023, 1, 1) + timedelta(days=rng.randint(0, 900))
        status = rng.choices(["granted", "applied", "expired"], weights=[90, 7, 3])[0]
        licences.append(workflow.create_licence(
            officer, kind="hackney_driver" if hackney else "phv_driver",
            number=f"EB-{'HC' if hackney else 'PH'}-{number:04d}", holder=holder, authority=authority,
            status=status, granted_on=granted if status != "applied" else None,
            expires_on=granted + timedelta(days=3 * 365) if status != "applied" else None,
            vehicle=vehicle, operator=None if hackney else rng.choice(operators),
            # Most checks are recent; a handful are overdue or lapsed, so the DBS duty has something to show.
            dbs_checked_on=date.today() - timedelta(days=rng.randint(10, 170) if number % 60 else 200),
            dbs_update_service=number % 97 != 0))
    return [licence for licence in licences if licence.status == "granted"]


@demo_seeder
def seed_licensing():
    if Licence.select().where(Licence.number == "EB-OP-001").exists():
        return
    rng = random.Random(2026)  # the same register on every machine
    authority = _organisation(AUTHORITY)
    police = _organisation("Northshire Police")
    schools, health = (_organisation("Eastbrook Schools Safeguarding Partnership"),
                       _organisation("Northshire Community Health Trust"))
    officer, constable, analyst = (_user("licensing@example.org"), _user("police@example.org"),
                                   _user("specialist@example.org"))
    granted = _register(authority, officer, rng)

    concerns = [
        ("vehicle_sighting", "Vehicle recorded on four evenings outside a location of concern, with no booking "
                             "on the operator's records. Intelligence graded B2, held by police."),
        ("arrest_charge", "Arrested on suspicion of an offence relevant to safeguarding; released under "
                          "investigation. Not self-reported to the council."),
        ("cse_concern", "Named in a multi-agency meeting as driving young people to addresses of concern. "
                        "Details held by the CSE team."),
        ("conduct", "Two complaints about inappropriate comments to lone passengers."),
    ]
    flagged = granted[:12]
    for number, licence in enumerate(flagged):
        category, summary = concerns[number % len(concerns)]
        workflow.raise_flag(licence, category, summary, constable if number % 2 else analyst)

    # Recommendations at each stage.
    open_one = workflow.recommend(flagged[0], "suspend", "Repeated sightings at a location of concern and no "
                                  "booking records. Suspension pending the police investigation.",
                                  [schools.id], constable)
    overdue = workflow.recommend(flagged[1], "revoke", "Arrest not self-reported, in breach of the licence "
                                 "conditions; the council's fit and proper test is no longer met.",
                                 [schools.id, health.id], constable, due_on=date(2026, 10, 30))
    endorsed = workflow.recommend(flagged[2], "suspend", "Named at the multi-agency meeting; suspension "
                                  "while the CSE team's enquiries continue.", [health.id], analyst)
    not_endorsed = workflow.recommend(flagged[3], "revoke", "Pattern of complaints from lone passengers.",
                                      [schools.id, health.id], constable)
    workflow.decide(endorsed, "endorsed", "suspended", "Suspended with immediate effect in the interests of "
                    "public safety while enquiries continue.", officer)
    workflow.decide(not_endorsed, "not_endorsed", "warn", "The panel did not find the complaints sufficient to "
                    "revoke; a written warning and a conduct course instead. Police may bring new evidence.",
                    officer)
    workflow.schedule_hearing(authority, datetime.combine(date(2026, 12, 3), datetime.min.time()) +
                              timedelta(hours=10), "Committee room 2, Eastbrook Town Hall",
                              [open_one.licence], [], officer)

    # Every follow-up so far reaches its inbox; the police and the schools acknowledge the not-endorsed outcome.
    for followup in FollowUp.select().where(FollowUp.delivered_at.is_null()):
        outbox.deliver(followup.id)
    for followup in FollowUp.select().where((FollowUp.kind == "recommendation.outcome")
                                            & (FollowUp.record_id == not_endorsed.id)
                                            & FollowUp.recipient.in_([police.id, schools.id])):
        outbox.acknowledge(followup, _user("police@example.org" if followup.recipient_id == police.id
                                           else "partner@example.org"))
    # The overdue recommendation was made weeks ago; the sweep escalates it to both organisations' managers.
    overdue.created_at = utcnow() - timedelta(days=40)
    overdue.save()

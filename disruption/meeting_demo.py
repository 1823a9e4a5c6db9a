"""Demo meeting: a multi-agency CSE operational group with one action delivered, one overdue and one still open."""
from datetime import datetime, time, timedelta

from core.demo import demo_seeder
from core.models import Organisation, User
from core.timeutil import london_to_utc
from core.workdays import add_working_days
from disruption import meetings
from disruption.meetings import Meeting

TITLE = "Eastbrook multi-agency CSE operational group"


def _organisation(name):
    return Organisation.get(Organisation.name == name)


@demo_seeder
def seed_meeting():
    if Meeting.select().where(Meeting.title == TITLE).exists():
        return
    chair = User.by_email("specialist@example.org")
    police = _organisation("Northshire Police")
    licensing = _organisation("Eastbrook Borough Council Licensing")
    schools = _organisation("Eastbrook Schools Safeguarding Partnership")
    health = _organisation("Northshire Community Health Trust")
    today = meetings.today()
    held_on = add_working_days(today, -10)
    meeting = meetings.record_meeting(
        chair, [police.id, licensing.id, schools.id, health.id], title=TITLE,
        held_at=london_to_utc(datetime.combine(held_on, time(10, 0))), venue="Eastbrook Civic Centre, room 4",
        chair_name=chair.name, chair_organisation=chair.organisation_id, chair_user=chair,
        attendee_names="Grace Okafor (chair, CSE team)\nTom Harding (police)\nPriya Lawson (licensing)\n"
                       "Sam Whitfield (schools safeguarding)\nA health safeguarding nurse",
        minutes_owner_name="Priya Lawson", minutes_owner_organisation=licensing.id,
        minutes="1. Review of actions from the last meeting: all closed.\n"
                "2. Night-time economy: reports of private hire vehicles waiting near two secondary schools at "
                "the end of the school day. Police and licensing to check the vehicles and drivers.\n"
                "3. Hotels: awareness visits completed in the town centre; two hotels asked for guidance.\n"
                "4. Schools: staff guidance on reporting vehicles seen repeatedly near schools to be refreshed.",
        decisions="Licensing and police to run joint taxi compliance checks near the two schools.\n"
                  "Police to complete hotel awareness visits and share the guest-register guidance.\n"
                  "Schools partnership to circulate the refreshed reporting guidance.")
    visits = meetings.add_action(meeting, chair, "Complete hotel awareness visits in the town centre and share "
                                 "the guest-register guidance with each hotel.", police, add_working_days(held_on, 5),
                                 owner_user=User.by_email("police@example.org"))
    meetings.record_delivery(visits, User.by_email("police@example.org"),
                             "Six hotels visited; guidance left with each duty manager.")
    # Past its due date and not delivered: the next sweep escalates it to licensing's and the chair's managers.
    meetings.add_action(meeting, chair, "Run taxi compliance checks at the end of the school day near the two "
                        "secondary schools named in the minutes.", licensing, add_working_days(held_on, 7))
    meetings.add_action(meeting, chair, "Circulate the refreshed guidance on reporting vehicles seen near schools "
                        "to every school safeguarding lead.", schools, today + timedelta(days=14))

"""Demo follow-ups: a few delivered and acknowledged, one waiting past its due date. Fictional content."""
from datetime import timedelta

from core.demo import demo_seeder
from core.models import Organisation, User
from core.timeutil import to_local, utcnow
from core.workdays import add_working_days
from followups import outbox
from followups.models import FollowUp

MINUTES = "Minutes of the multi-agency CSE meeting"
PANEL = "Licensing panel date set"
GUIDANCE = "Please confirm receipt: reporting concerns about vehicles near schools"


def _organisation(name):
    return Organisation.get(Organisation.name == name)


def _user(email):
    return User.by_email(email)


@demo_seeder
def seed_followups():
    if FollowUp.select().where(FollowUp.subject.startswith(MINUTES)).exists():
        return
    police = _organisation("Northshire Police")
    licensing = _organisation("Eastbrook Borough Council Licensing")
    specialist = _organisation("Northshire Multi-Agency CSE Team")
    schools = _organisation("Eastbrook Schools Safeguarding Partnership")
    health = _organisation("Northshire Community Health Trust")

    minutes = outbox.send(
        "meeting.minutes", None, to=[police, licensing, schools, health], sender=specialist,
        subject=f"{MINUTES}, 12 November",
        body="The minutes are agreed and held by the CSE team.\n\nActions:\n"
             "- Police: hotel awareness visits in the town centre by 30 November.\n"
             "- Licensing: compliance checks on private hire vehicles waiting near two secondary schools.\n"
             "- All: name a contact for the next meeting.")
    panel = outbox.send(
        "panel.scheduled", None, to=[police, specialist], sender=licensing,
        subject=f"{PANEL} for 3 December",
        body="The licensing sub-committee will hear two private hire driver reviews on 3 December at 10:00. "
             "Police and the CSE team are invited to attend.", due_in_working_days=5)
    guidance = outbox.send(
        "notice", None, to=[schools], sender=police, subject=GUIDANCE,
        body="Updated guidance for school staff on what to record and whom to call when a vehicle is seen "
             "repeatedly waiting near a school. Please confirm your staff have received it.",
        due_in_working_days=2)
    for followup in minutes + panel + guidance:
        outbox.deliver(followup.id)
    for followup, email in ((minutes[0], "police@example.org"), (minutes[1], "licensing@example.org"),
                            (panel[0], "police@example.org"), (panel[1], "specialist@example.org")):
        outbox.acknowledge(followup, _user(email))
    # The guidance went out a week ago and is still waiting: overdue, so the sweep escalates it.
    week_ago = utcnow() - timedelta(days=7)
    FollowUp.update(created_at=week_ago, due_on=add_working_days(to_local(week_ago).date(), 2)).where(
        FollowUp.id == guidance[0].id).execute()

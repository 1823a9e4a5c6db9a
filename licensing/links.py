"""What licensing adds to a person's, vehicle's or premises' page: licences, hearings, and the connections that
run through licences (people sharing a licensed vehicle, drivers of an operator whose premises are flagged)."""
from flask import url_for
from peewee import JOIN

from licensing.models import DRIVER_KINDS, LIVE_STATUSES, HearingInvitation, HearingLicence, Licence, PanelHearing
from core.models import Organisation
from records.links import (Connection, Section, connection_finder, flagged_premises, flagging_entries, link_finder,
                           record_section)
from records.models import PREMISES_ROLES, Person, Premises, PremisesPerson, Vehicle


@record_section(order=20)
def licences_section(record_type, record, user):
    if record_type not in ("person", "vehicle"):
        return None
    query = (Licence.select(Licence, Person, Organisation).join(Person, on=(Licence.holder == Person.id))
             .switch(Licence).join(Organisation, on=(Licence.authority == Organisation.id))
             .where((Licence.holder if record_type == "person" else Licence.vehicle) == record.id)
             .order_by(Licence.number))
    rows = [(licence.number, url_for("licensing.licence", licence_id=licence.id),
             f"{licence.kind_label} · {licence.authority.name} · {licence.status}"
             + (f" · expires {licence.expires_on:%d %b %Y}" if licence.expires_on else "")
             + (f" · held by {licence.holder.name}" if record_type == "vehicle" else ""))
            for licence in query]
    actions = []
    if record_type == "person" and user.roles & {"police", "specialist"}:
        actions.append(("Flag this licence holder", url_for("licensing.holder_flag", person_id=record.id)))
    if record_type == "person" and "licensing_officer" in user.roles:
        actions.append((f"Add a licence for {record.name}", url_for("licensing.licence_new", holder=record.id)))
    return Section("Licences", rows, "Holds no licence on any register here." if record_type == "person"
                   else "Not on any licence here.", actions)


@record_section(order=40)
def hearings_section(record_type, record, user):
    """Panel hearings of a person's licences that the user's organisation runs or is invited to."""
    if record_type != "person":
        return None
    hearings = (PanelHearing.select(PanelHearing, Licence).join(HearingLicence).join(Licence)
                .switch(PanelHearing).join(HearingInvitation, JOIN.LEFT_OUTER, on=(
                    (HearingInvitation.hearing == PanelHearing.id)
                    & (HearingInvitation.organisation == user.organisation_id)))
                .where((Licence.holder == record.id) & ((PanelHearing.authority == user.organisation_id)
                                                        | HearingInvitation.id.is_null(False)))
                .order_by(PanelHearing.starts_at.desc()))
    rows = [(f"{hearing.starts_at:%d %b %Y}", url_for("licensing.hearing", hearing_id=hearing.id),
             f"Licence {hearing.hearinglicence.licence.number}" + (f" · {hearing.venue}" if hearing.venue else ""))
            for hearing in hearings]
    if not rows:
        return None  # most people never come before a panel; an empty block would be noise
    return Section("Panel hearings", rows, "")


@connection_finder
def shared_licensed_vehicles(record_type, record):
    """People who share a vehicle: both hold licences on it."""
    if record_type != "person":
        return []
    mine = Licence.alias("mine")
    rows = (Licence.select(Licence, Person, Vehicle)
            .join(Person, on=(Licence.holder == Person.id))
            .switch(Licence).join(Vehicle, on=(Licence.vehicle == Vehicle.id))
            .join(mine, on=(mine.vehicle == Vehicle.id))
            .where((mine.holder == record.id) & (Licence.holder != record.id))
            .order_by(Person.name))
    return [Connection("shared_vehicle", licence.holder.name, "person", licence.holder.id,
                       f"Both hold licences on vehicle {licence.vehicle.registration} ({licence.number})")
            for licence in rows]


def _operator_drivers(user):
    """Live driver licences whose operator's holder owns or operates flagged premises, with those premises:
    rows of (driver licence, operator licence, premises, role)."""
    operator = Licence.alias("operator")
    return (Licence.select(Licence, Person, operator, PremisesPerson, Premises)
            .join(Person, on=(Licence.holder == Person.id))
            .switch(Licence).join(operator, on=(Licence.operator == operator.id))
            .join(PremisesPerson, on=(PremisesPerson.person == operator.holder))
            .join(Premises, on=(PremisesPerson.premises == Premises.id))
            .where(Licence.kind.in_(DRIVER_KINDS) & Licence.status.in_(LIVE_STATUSES)
                   & Premises.id.in_(flagged_premises(user))))


def _why(row):
    link = row.operator.premisesperson
    return (f"Driver licence {row.number} is with operator {row.operator.number}, whose holder is "
            f"{PREMISES_ROLES.get(link.role, link.role).lower()} of {link.premises.name} (flagged premises)")


@connection_finder
def drivers_of_flagged_operators(record_type, record, user):
    """Drivers licensed to an operator whose premises are flagged: on the premises' page the drivers, on a
    driver's page the premises."""
    if record_type == "premises":
        rows = list(_operator_drivers(user).where(Premises.id == record.id).order_by(Person.name))
    elif record_type == "person":
        rows = list(_operator_drivers(user).where(Licence.holder == record.id))
    else:
        return []
    # The entries that flag the premises, for the page's audit.
    flagging = flagging_entries(user, {row.operator.premisesperson.premises.id for row in rows})
    found = []
    for row in rows:
        premises = row.operator.premisesperson.premises
        entries = tuple(sorted(flagging.get(premises.id, ())))
        if record_type == "premises":
            found.append(Connection("operator_driver", row.holder.name, "person", row.holder.id, _why(row), entries))
        else:
            found.append(Connection("operator_driver", premises.name, "premises", premises.id, _why(row), entries))
    return found


@link_finder
def licensed_vehicles(record_type, record, user):
    """A licence holder and the vehicle on the licence, for the network view."""
    if record_type == "person":
        rows = Licence.select(Licence, Vehicle).join(Vehicle).where(Licence.holder == record.id)
        return [Connection("licence", licence.vehicle.registration, "vehicle", licence.vehicle.id,
                           f"licence {licence.number}") for licence in rows]
    if record_type == "vehicle":
        rows = Licence.select(Licence, Person).join(Person, on=(Licence.holder == Person.id)).where(
            Licence.vehicle == record.id)
        return [Connection("licence", licence.holder.name, "person", licence.holder.id,
                           f"licence {licence.number}") for licence in rows]
    return []

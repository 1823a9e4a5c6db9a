"""What licensing adds to a person's, vehicle's or premises' page: licences, hearings, and the connections that
run through licences (people sharing a licensed vehicle, drivers of an operator whose premises are flagged)."""
from flask import url_for
from peewee import JOIN, fn

from licensing.models import DRIVER_KINDS, LIVE_STATUSES, HearingInvitation, HearingLicence, Licence, PanelHearing
from core.models import Organisation
from records.links import (Connection, Section, collect, connection_finder, direct_links, first_of_each, flagged,
                           flagging_entries, link_finder, record_section)
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


@connection_finder(person="People holding licences on the same vehicle")
def shared_licensed_vehicles(record_type, ids, user, limit, offset=0):
    """People who share a vehicle: both hold licences on it."""
    mine = Licence.alias("mine")
    rows = (Licence.select(mine.holder.alias("record_id"), Person.id.alias("target_id"), Person.name.alias("name"),
                           Vehicle.registration.alias("registration"), Licence.number.alias("number"))
            .join(Person, on=(Licence.holder == Person.id))
            .switch(Licence).join(Vehicle, on=(Licence.vehicle == Vehicle.id))
            .join(mine, on=(mine.vehicle == Vehicle.id))
            .where(mine.holder.in_(ids) & (Licence.holder != mine.holder))
            # one row per licence, even where the person holds two on the vehicle
            .group_by(mine.holder, Person.id, Person.name, Vehicle.registration, Licence.id, Licence.number))
    order = [fn.LOWER(Person.name), Person.id, Licence.number]
    return collect(first_of_each(rows, mine.holder, order, limit, offset),
                   lambda row: Connection("shared_vehicle", row["name"], "person", row["target_id"],
                                          f"Both hold licences on vehicle {row['registration']} ({row['number']})"))


def _why(row):
    return (f"Driver licence {row['number']} is with operator {row['operator']}, whose holder is "
            f"{PREMISES_ROLES.get(row['role'], row['role']).lower()} of {row['premises']} (flagged premises)")


@connection_finder(premises="Drivers for an operator whose holder runs these flagged premises",
                   person="Flagged premises of an operator they drive for")
def drivers_of_flagged_operators(record_type, ids, user, limit, offset=0):
    """Drivers licensed to an operator whose holder owns or operates flagged premises: on the premises' page the
    drivers, on a driver's page the premises. Only live driver licences count."""
    operator = Licence.alias("operator")
    if record_type == "premises":
        # Which premises are flagged first (see vehicles_at_flagged_premises): only those have drivers to list.
        flagging = flagging_entries(user, ids)
        if not flagging:
            return {}
        record, which = PremisesPerson.premises, PremisesPerson.premises.in_(list(flagging))
    else:
        record, which = Licence.holder, Licence.holder.in_(ids) & flagged(Premises.id, user)
    rows = (Licence.select(record.alias("record_id"), Person.id.alias("person_id"), Person.name.alias("person"),
                           Licence.number.alias("number"), operator.number.alias("operator"),
                           PremisesPerson.role.alias("role"), Premises.id.alias("premises_id"),
                           Premises.name.alias("premises"))
            .join(Person, on=(Licence.holder == Person.id))
            .switch(Licence).join(operator, on=(Licence.operator == operator.id))
            .join(PremisesPerson, on=(PremisesPerson.person == operator.holder))
            .join(Premises, on=(PremisesPerson.premises == Premises.id))
            .where(which & Licence.kind.in_(DRIVER_KINDS) & Licence.status.in_(LIVE_STATUSES)))
    listed = (Person if record_type == "premises" else Premises)
    order = [fn.LOWER(listed.name), listed.id, Licence.number, PremisesPerson.role]
    rows = list(first_of_each(rows, record, order, limit, offset))
    if record_type == "person":  # the entries that flag the premises, for the page's audit
        flagging = flagging_entries(user, {row["premises_id"] for row in rows})

    def connection(row):
        entries = tuple(sorted(flagging.get(row["premises_id"], ())))
        if record_type == "premises":
            return Connection("operator_driver", row["person"], "person", row["person_id"], _why(row), entries)
        return Connection("operator_driver", row["premises"], "premises", row["premises_id"], _why(row), entries)
    return collect(rows, connection)


@link_finder("person", "vehicle")
def licensed_vehicles(record_type, ids, user, limit, offset=0):
    """A licence holder and the vehicle on the licence, for the network view."""
    if record_type == "person":
        mine, theirs, label, other = Licence.holder, Licence.vehicle, Vehicle.registration, "vehicle"
    else:
        mine, theirs, label, other = Licence.vehicle, Licence.holder, Person.name, "person"
    return direct_links(ids, mine, theirs, label, Licence.number,
                        lambda row: Connection("licence", row["label"], other, row["target_id"],
                                               f"licence {row['detail']}"),
                        limit, offset)

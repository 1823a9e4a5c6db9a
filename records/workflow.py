"""Adding people, vehicles and premises and linking owners and operators: the checks, the writes and their audit.

The pages and the API both call these functions, so a record is checked and audited the same way
whichever door it comes in by. Each check returns a message for one field, or None.
"""
from peewee import IntegrityError

from core import audit
from core.db import db
from core.errors import Invalid
from core.timeutil import london_today
from records import normalise
from records.signals import address_saved
from records.models import PREMISES_ROLES, PREMISES_TYPES, Person, PremisesPerson, Premises, Vehicle


today = london_today  # a module attribute, so tests can stand on a given day


def date_of_birth_problem(value):
    if value and value > today():
        return "A date of birth cannot be in the future."
    return None


def alias_problem(aliases):
    if any(len(alias) > 200 for alias in aliases):
        return "An alias has at most 200 characters."
    return None


def existing_vehicle(text):
    """The vehicle already recorded under this registration (however it is typed), or None."""
    mark = normalise.registration(text)
    return Vehicle.get_or_none(Vehicle.registration == mark) if mark else None


def duplicate_registration(vehicle):
    return f"{vehicle.registration} is already recorded (vehicle {vehicle.id}): open that record instead."


def registration_problem(text):
    """Why text cannot be a new vehicle's registration: not a plausible mark, or already recorded."""
    problem = normalise.registration_problem(text)
    if problem:
        return problem
    vehicle = existing_vehicle(text)
    return duplicate_registration(vehicle) if vehicle else None


def postcode_problem(text):
    return normalise.postcode_problem(text) if text else None


def _refuse(problems):
    problems = {field: message for field, message in problems.items() if message}
    if problems:
        raise Invalid(problems)


def _clean_aliases(aliases):
    return [line.strip() for alias in aliases or () for line in alias.splitlines() if line.strip()]


def create_person(user, name, date_of_birth=None, aliases=()):
    """Add a person; aliases is a list of other names they are known by."""
    aliases = _clean_aliases(aliases)
    _refuse({"name": None if (name or "").strip() else "Give the person's name.",
             "date_of_birth": date_of_birth_problem(date_of_birth), "aliases": alias_problem(aliases)})
    with db.atomic():
        person = Person.create(name=name.strip(), date_of_birth=date_of_birth, aliases="\n".join(aliases),
                               created_by=user)
        audit.record("person.create", person, user=user)
    return person


def create_vehicle(user, registration, make=None, model=None, colour=None):
    """Add a vehicle under its normalised registration mark; a registration already recorded is refused."""
    _refuse({"registration": registration_problem(registration)})
    mark = normalise.registration(registration)
    try:
        with db.atomic():
            vehicle = Vehicle.create(registration=mark, make=make or None, model=model or None,
                                     colour=colour or None, created_by=user)
            audit.record("vehicle.create", vehicle, user=user)
    except IntegrityError:  # someone recorded the same mark between the check and the insert
        raise Invalid({"registration": duplicate_registration(existing_vehicle(mark))}) from None
    return vehicle


def create_premises(user, name, type, address, postcode=None):
    """Add premises; the location slot stays empty until they are geocoded (in the background: see address_saved)."""
    _refuse({"name": None if (name or "").strip() else "Give the premises' name.",
             "type": None if type in PREMISES_TYPES else "Choose a premises type.",
             "address": None if (address or "").strip() else "Give the address.",
             "postcode": postcode_problem(postcode)})
    with db.atomic():
        premises = Premises.create(name=name.strip(), type=type, address=address.strip(),
                                   postcode=normalise.postcode(postcode) if postcode else None, created_by=user)
        audit.record("premises.create", premises, user=user)
        address_saved.send(premises)  # geocoded in the background once this commits
    return premises


def link_person(user, premises, person, role):
    """Record person as an owner or operator of premises."""
    _refuse({"role": None if role in PREMISES_ROLES else "Choose owner or operator."})
    if PremisesPerson.select().where((PremisesPerson.premises == premises) & (PremisesPerson.person == person)
                                     & (PremisesPerson.role == role)).exists():
        raise Invalid({"person_id": f"{person.name} is already recorded as {PREMISES_ROLES[role].lower()} "
                                    f"of {premises.name}."})
    with db.atomic():
        link = PremisesPerson.create(premises=premises, person=person, role=role)
        audit.record("premises.link_person", premises, user=user, reason=f"person {person.id} as {role}")
    return link

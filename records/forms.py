"""Forms for adding people, vehicles, premises and intelligence, and linking owners and operators."""
from flask_wtf import FlaskForm
from wtforms import (DateField, DateTimeLocalField, IntegerField, SelectField, SelectMultipleField, StringField,
                     SubmitField, TextAreaField)
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from core.forms import choices
from core.models import Organisation
from records import workflow
from records.models import (HANDLING_CODES, INTELLIGENCE_ASSESSMENTS, PREMISES_ROLES, PREMISES_TYPES,
                            SOURCE_EVALUATIONS, Person)


def _raise(problem):
    if problem:
        raise ValidationError(problem)


class PersonForm(FlaskForm):
    name = StringField("Name", validators=[InputRequired(), Length(max=200)])
    aliases = TextAreaField("Aliases", validators=[Optional(), Length(max=5000)],
                            description="Other names the person is known by, one per line.")
    date_of_birth = DateField("Date of birth", validators=[Optional()])
    submit = SubmitField("Add person")

    @property
    def alias_list(self):
        return (self.aliases.data or "").splitlines()

    def validate_aliases(self, field):
        _raise(workflow.alias_problem([line.strip() for line in self.alias_list]))

    def validate_date_of_birth(self, field):
        _raise(workflow.date_of_birth_problem(field.data))


class VehicleForm(FlaskForm):
    registration = StringField("Registration", validators=[InputRequired(), Length(max=12)],
                               description="As on the number plate, for example AB12 CDE.")
    make = StringField("Make", validators=[Optional(), Length(max=60)])
    model = StringField("Model", validators=[Optional(), Length(max=60)])
    colour = StringField("Colour", validators=[Optional(), Length(max=30)])
    submit = SubmitField("Add vehicle")

    existing = None  # the vehicle already recorded under the registration typed, for the page to link

    def validate_registration(self, field):
        self.existing = workflow.existing_vehicle(field.data)
        _raise(workflow.registration_problem(field.data))


class PremisesForm(FlaskForm):
    name = StringField("Name", validators=[InputRequired(), Length(max=200)])
    type = SelectField("Type", choices=choices(PREMISES_TYPES.items()))
    address = TextAreaField("Address", validators=[InputRequired(), Length(max=1000)])
    postcode = StringField("Postcode", validators=[Optional(), Length(max=10)], description="For example EB1 4QT.")
    submit = SubmitField("Add premises")

    def validate_postcode(self, field):
        _raise(workflow.postcode_problem(field.data))


class PremisesLinkForm(FlaskForm):
    person_id = IntegerField("Person record number", validators=[InputRequired()],
                             description="Shown on the person's page; find it with Search.")
    role = SelectField("As", choices=choices(PREMISES_ROLES.items()))
    submit = SubmitField("Link person")

    person = None

    def validate_person_id(self, field):
        self.person = Person.get_or_none(Person.id == field.data)
        if self.person is None:
            raise ValidationError("No person has this record number. Add them first, or check the number.")


# -- intelligence entries

WARNING = ("Never write a child's name or anything that could identify a child. Refer to a child only by the "
           "children's services case reference, if at all.")


def _record_numbers(text, spaces=True):
    """The items of a list typed with commas (and, unless a registration may hold one, spaces) between them."""
    items = (text or "").replace(",", " ").split() if spaces else (text or "").split(",")
    return [item.strip() for item in items if item.strip()]


class IntelligenceForm(FlaskForm):
    text = TextAreaField("What is known", validators=[InputRequired(), Length(max=10_000)], description=WARNING,
                         render_kw={"rows": 6})
    occurred_at = DateTimeLocalField("When it happened (London time)", validators=[InputRequired()],
                                     format="%Y-%m-%dT%H:%M")
    source_evaluation = SelectField("Source evaluation", coerce=int,
                                    choices=choices(SOURCE_EVALUATIONS.items()))
    intelligence_assessment = SelectField("Intelligence assessment", choices=choices(INTELLIGENCE_ASSESSMENTS.items()))
    handling_code = SelectField("Handling code", choices=choices(HANDLING_CODES.items()))
    handling_conditions = TextAreaField("Handling conditions", validators=[Optional(), Length(max=2000)],
                                        description="Required for a C-coded entry: who may use it, and how.")
    handling_organisation_ids = SelectMultipleField(
        "Organisations the conditions allow to read it", coerce=int, validators=[Optional()],
        description="C-coded entries only. Your own organisation always can; partner agencies never can.")
    place_address = TextAreaField("Where: address or description of the place",
                                  validators=[Optional(), Length(max=1000)])
    place_postcode = StringField("Postcode", validators=[Optional(), Length(max=10)])
    person_ids = StringField("People (record numbers)", validators=[Optional(), Length(max=500)],
                             description="Separate with commas. Find record numbers with Search.")
    vehicle_ids = StringField("Vehicles (record numbers or registrations)", validators=[Optional(), Length(max=500)],
                              description="Separate with commas, for example 12, AB12 CDE.")
    premises_ids = StringField("Premises (record numbers)", validators=[Optional(), Length(max=500)])
    submit = SubmitField("Record intelligence")

    people = vehicles = premises = ()  # the record numbers read from the three fields

    def __init__(self, *args, organisation=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.handling_organisation_ids.choices = choices(
            (o.id, o.name) for o in Organisation.search().where((Organisation.kind != "partner")
                                                               & (Organisation.id != getattr(organisation, "id", 0))
                                                               & Organisation.active))

    def _numbers(self, field):
        numbers = []
        for token in _record_numbers(field.data):
            if not token.isdigit():
                raise ValidationError(f"'{token}' is not a record number.")
            numbers.append(int(token))
        return numbers

    def validate_person_ids(self, field):
        self.people = self._numbers(field)

    def validate_premises_ids(self, field):
        self.premises = self._numbers(field)

    def validate_vehicle_ids(self, field):
        self.vehicles = []
        for token in _record_numbers(field.data, spaces=False):
            if token.isdigit():
                self.vehicles.append(int(token))
                continue
            vehicle = workflow.existing_vehicle(token)
            if vehicle is None:
                raise ValidationError(f"No vehicle is recorded under {token}. Add it first, or check the mark.")
            self.vehicles.append(vehicle.id)

    def validate_place_postcode(self, field):
        _raise(workflow.postcode_problem(field.data))


class ReasonForm(FlaskForm):
    reason = TextAreaField("Why you need to read it", validators=[InputRequired(), Length(max=500)],
                           description="Written to the audit log with your reading of this entry.")
    submit = SubmitField("Open the entry")

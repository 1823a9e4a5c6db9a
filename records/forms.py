"""Forms for adding people, vehicles and premises and linking owners and operators."""
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from core.forms import choices
from records import workflow
from records.models import PREMISES_ROLES, PREMISES_TYPES, Person


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

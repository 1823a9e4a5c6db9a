"""Forms for the hotspot maps' filters, logging a location of concern, placing a record on the map by hand, and the
administrator's online-geocoder switch."""
from flask_wtf import FlaskForm
from wtforms import (BooleanField, DateTimeLocalField, FloatField, HiddenField, IntegerField, SelectField,
                     SelectMultipleField, StringField, SubmitField)
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from core.forms import choices
from hotspots.cells import CELL_SIZES, PERIODS
from hotspots.concerns import CONCERN_TYPES
from records.models import PREMISES_TYPES
from records.normalise import postcode_problem


class Coordinate(FloatField):
    """Degrees as a number; anything else is refused with a message that says what to give."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError("Give a number of degrees, for example 53.7431, or click the map.") from None


class PlaceForm(FlaskForm):
    # The checks (inside the United Kingdom) are locations.place_problems, applied by locations.place().
    lat = Coordinate("Latitude", validators=[Optional()])
    lon = Coordinate("Longitude", validators=[Optional()])
    reason = HiddenField()  # the reason given to open a C-coded entry, for the audit if the page is shown again
    submit = SubmitField("Save this location")


class GeocoderSwitchForm(FlaskForm):
    online = BooleanField("Send addresses the gazetteer does not know to the online geocoder")
    submit = SubmitField("Save")


VIEWS = {"categories": "Every category", "changed": "Changed since the previous period"}


class MapFilterForm(FlaskForm):
    """The map's filters, read from the query string (a GET form: nothing changes, so no CSRF token)."""

    class Meta:
        csrf = False

    until = StringField("Up to the end of (month)", validators=[Optional()], render_kw={"type": "month"})
    months = IntegerField("Over how many months", default=24, validators=[Optional(), NumberRange(3, 60)])
    period = SelectField("Period", choices=choices(PERIODS.items()), default="month")
    cell_m = SelectField("Cell size", coerce=int, default=250,
                         choices=choices((size, f"{size} m") for size in CELL_SIZES))
    kinds = SelectMultipleField("Kinds of event", validators=[Optional()])
    premises_type = SelectField("Premises shown", validators=[Optional()],
                                choices=choices([("", "Every type")] + list(PREMISES_TYPES.items())))
    view = SelectField("Show", choices=choices(VIEWS.items()), default="categories")
    fdr = BooleanField("Correct for false discoveries")
    submit = SubmitField("Show")

    def __init__(self, *args, kinds=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.kinds.choices = choices(kinds.items())

    def validate_until(self, field):
        if field.data:
            try:
                year, month = (int(part) for part in field.data.split("-"))
                if not 2000 <= year <= 2100 or not 1 <= month <= 12:
                    raise ValueError
            except ValueError:
                raise ValidationError("Give a month as YYYY-MM, for example 2026-11.") from None


class ConcernForm(FlaskForm):
    type = SelectField("What was the concern", choices=choices(CONCERN_TYPES.items()))
    occurred_at = DateTimeLocalField("When (London time)", validators=[InputRequired()])
    place_description = StringField("Where, briefly", validators=[Optional(), Length(max=200)],
                                    description="For example \"car park behind the parade\". Do not write any "
                                                "name or anything that could identify a young person or anyone else.")
    address = StringField("Address", validators=[Optional(), Length(max=300)])
    postcode = StringField("Postcode", validators=[Optional(), Length(max=10)])
    lat = Coordinate("Latitude", validators=[Optional()])
    lon = Coordinate("Longitude", validators=[Optional()])
    submit = SubmitField("Log this location")

    def validate_postcode(self, field):
        if field.data and postcode_problem(field.data):
            raise ValidationError(postcode_problem(field.data))

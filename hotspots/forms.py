"""Forms for geocoding: placing a record on the map by hand, and the administrator's online-geocoder switch."""
from flask_wtf import FlaskForm
from wtforms import BooleanField, FloatField, HiddenField, SubmitField
from wtforms.validators import Optional


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

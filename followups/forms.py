"""Forms for an organisation's delivery settings."""
import secrets
from urllib.parse import urlsplit

from flask import current_app
from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField, SubmitField
from wtforms.validators import Email, Length, Optional, ValidationError


class DeliverySettingsForm(FlaskForm):
    email = StringField("E-mail address for follow-ups", validators=[Optional(), Email(check_deliverability=False),
                                                                     Length(max=254)],
                        description="A shared mailbox the organisation watches. Leave empty for inbox only.")
    webhook_url = StringField("Webhook URL", validators=[Optional(), Length(max=500)],
                              description="HTTPS address of the organisation's own system. Leave empty for none.")
    new_secret = BooleanField("Generate a new webhook signing secret",
                              description="Needed once when adding a webhook; the receiving system must be given it.")
    submit = SubmitField("Save delivery settings")

    def validate_webhook_url(self, field):
        if not field.data:
            return
        parts = urlsplit(field.data.strip())
        allowed = ("https", "http") if current_app.config["WEBHOOK_ALLOW_HTTP"] else ("https",)
        if parts.scheme not in allowed or not parts.netloc:
            raise ValidationError("Give a full https:// address.")
        field.data = field.data.strip()


def new_webhook_secret():
    return secrets.token_hex(32)

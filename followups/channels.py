"""The ways a follow-up reaches an organisation: its in-app inbox always, e-mail and a signed webhook where set up.

Each effect carries the follow-up's idempotency key (the e-mail's Message-ID, the webhook's
Idempotency-Key header), so a receiver can recognise a repeat if a delivery is ever retried after it
had in fact arrived.
"""
import hashlib
import hmac
import json
import smtplib
import ssl
import urllib.error
import urllib.request
from datetime import timezone
from email.message import EmailMessage
from email.utils import format_datetime

from flask import current_app

from core.timeutil import isoformat_utc


class DeliveryError(Exception):
    """A channel could not deliver this time; the follow-up will be retried."""


def _email(followup, settings):
    config = current_app.config
    if not config["MAIL_SERVER"]:
        raise DeliveryError("this organisation has an e-mail address but MAIL_SERVER is not configured")
    message = EmailMessage()
    message["Subject"] = followup.subject
    message["From"] = config["MAIL_FROM"]
    message["To"] = settings.email
    message["Message-ID"] = message_id(followup)
    message["Date"] = format_datetime(followup.created_at.replace(tzinfo=timezone.utc))
    message.set_content(f"{followup.body}\n\n-- \nSent by the disruption and licensing system. "
                        f"Please acknowledge it in your organisation's inbox.\nReference: {followup.idempotency_key}\n")
    try:
        with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=config["MAIL_TIMEOUT_SECONDS"]) as smtp:
            if config["MAIL_USE_TLS"]:
                smtp.starttls(context=ssl.create_default_context())
            if config["MAIL_USERNAME"]:
                smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as error:
        raise DeliveryError(f"e-mail to {settings.email} failed: {error}") from error


def message_id(followup):
    return f"<{followup.idempotency_key}@followups.disruption-intel>"


def webhook_body(followup):
    """The JSON a partner's system receives; the same bytes on every attempt."""
    return json.dumps({
        "id": followup.id,
        "idempotency_key": followup.idempotency_key,
        "kind": followup.kind,
        "subject": followup.subject,
        "body": followup.body,
        "record_type": followup.record_type,
        "record_id": followup.record_id,
        "sender_organisation_id": followup.sender_id,
        "created_at": isoformat_utc(followup.created_at),
        "due_on": followup.due_on.isoformat() if followup.due_on else None,
    }, sort_keys=True).encode()


def signature(secret, body):
    """HMAC-SHA256 of the body under the organisation's secret, as sent in X-Signature-SHA256."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _webhook(followup, settings):
    body = webhook_body(followup)
    request = urllib.request.Request(settings.webhook_url, data=body, method="POST", headers={
        "Content-Type": "application/json",
        "Idempotency-Key": followup.idempotency_key,
        "X-Signature-SHA256": signature(settings.webhook_secret or "", body),
        "User-Agent": "disruption-intel-followups",
    })
    try:
        with urllib.request.urlopen(request, timeout=current_app.config["WEBHOOK_TIMEOUT_SECONDS"]) as response:
            if not 200 <= response.status < 300:
                raise DeliveryError(f"webhook answered {response.status}")
    except urllib.error.HTTPError as error:
        raise DeliveryError(f"webhook answered {error.code}") from error
    except (OSError, urllib.error.URLError) as error:
        raise DeliveryError(f"webhook unreachable: {error}") from error


def outside(settings):
    """(channel name, FollowUp column marking it done, effect) for each channel beyond the in-app inbox.

    The inbox is not among them: the inbox entry is the follow-up row itself, put there in the database.
    """
    if settings is not None and settings.email:
        yield "email", "email_at", _email
    if settings is not None and settings.webhook_url:
        yield "webhook", "webhook_at", _webhook

"""The ways a follow-up reaches an organisation: its in-app inbox always, e-mail and a signed webhook where set up.

Each effect carries the follow-up's idempotency key (the e-mail's Message-ID, the webhook's
Idempotency-Key header), so a receiver can recognise a repeat if a delivery is ever retried after it
had in fact arrived.
"""
import hashlib
import hmac
import http.client
import json
import smtplib
import ssl
from datetime import timezone
from email.message import EmailMessage
from email.utils import format_datetime
from urllib.parse import urlsplit

from flask import current_app

from core.timeutil import isoformat_utc


class DeliveryError(Exception):
    """A channel could not deliver this time; the follow-up will be retried."""


def outside(settings):
    """(channel name, FollowUp column marking it done) for each channel beyond the in-app inbox.

    The inbox is not among them: the inbox entry is the follow-up row itself, put there in the database.
    """
    if settings is not None and settings.email:
        yield "email", "email_at"
    if settings is not None and settings.webhook_url:
        yield "webhook", "webhook_at"


class Connections:
    """Sends a batch of follow-ups by e-mail and webhook, keeping connections open across the batch.

    One SMTP session, and one keep-alive HTTP connection per webhook host, are opened on first use and
    closed at the end. A host that cannot be reached is not tried again within the batch, so a partner's
    server that is down costs one timeout per batch rather than one per follow-up.
    """

    def __init__(self):
        self._smtp = None
        self._http = {}
        self._unreachable = {}  # "smtp" or a webhook's host: the error that showed it down

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self._close_smtp()
        for connection in self._http.values():
            connection.close()

    def send(self, channel, followup, settings):
        """Deliver followup on channel ("email" or "webhook"), or raise DeliveryError."""
        {"email": self._email, "webhook": self._webhook}[channel](followup, settings)

    def _email(self, followup, settings):
        config = current_app.config
        if not config["MAIL_SERVER"]:
            raise DeliveryError("this organisation has an e-mail address but MAIL_SERVER is not configured")
        if "smtp" in self._unreachable:
            raise DeliveryError(f"e-mail to {settings.email} not tried: {self._unreachable['smtp']}")
        try:
            if self._smtp is None:
                self._smtp = _open_smtp(config)
        except (OSError, smtplib.SMTPException) as error:
            self._unreachable["smtp"] = f"the mail server failed earlier in this batch: {error}"
            raise DeliveryError(f"e-mail to {settings.email} failed: {error}") from error
        try:
            self._smtp.send_message(email_message(followup, settings))
        except (OSError, smtplib.SMTPException) as error:
            self._close_smtp()  # the next e-mail starts a fresh session
            raise DeliveryError(f"e-mail to {settings.email} failed: {error}") from error

    def _close_smtp(self):
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (OSError, smtplib.SMTPException):
                self._smtp.close()
            self._smtp = None

    def _webhook(self, followup, settings):
        url = urlsplit(settings.webhook_url)
        if url.netloc in self._unreachable:
            raise DeliveryError(f"webhook not tried: {self._unreachable[url.netloc]}")
        body = webhook_body(followup)
        # Names title-cased, byte for byte as earlier versions sent them through urllib (HTTP header names
        # are case-insensitive, but a partner's code may not be).
        headers = {
            "Content-Type": "application/json",
            "Idempotency-Key": followup.idempotency_key,
            "X-Signature-Sha256": signature(settings.webhook_secret or "", body),
            "User-Agent": "disruption-intel-followups",
        }
        try:
            status = self._post(url, body, headers)
        except (OSError, http.client.HTTPException) as error:
            self._unreachable[url.netloc] = f"it was unreachable earlier in this batch: {error}"
            raise DeliveryError(f"webhook unreachable: {error}") from error
        if not 200 <= status < 300:
            raise DeliveryError(f"webhook answered {status}")

    def _post(self, url, body, headers):
        """POST on the host's open connection; once more on a new one if the server had closed it meanwhile."""
        path = (url.path or "/") + (f"?{url.query}" if url.query else "")
        while True:
            if url.netloc not in self._http:
                self._http[url.netloc] = _open_http(url)
            connection = self._http[url.netloc]
            reused = connection.sock is not None
            try:
                connection.request("POST", path, body=body, headers=headers)
                response = connection.getresponse()
                response.read()
                return response.status
            except (OSError, http.client.HTTPException) as error:
                del self._http[url.netloc]
                connection.close()
                # A keep-alive connection the server dropped fails at once; a timeout is not retried.
                if not (reused and isinstance(error, ConnectionError)):
                    raise


def _open_smtp(config):
    smtp = smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=config["MAIL_TIMEOUT_SECONDS"])
    try:
        if config["MAIL_USE_TLS"]:
            smtp.starttls(context=ssl.create_default_context())
        if config["MAIL_USERNAME"]:
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
    except BaseException:
        smtp.close()
        raise
    return smtp


def _open_http(url):
    """A connection to the webhook's host, not yet open (plain http only where the settings form allowed it)."""
    timeout = current_app.config["WEBHOOK_TIMEOUT_SECONDS"]
    if url.scheme == "http":
        return http.client.HTTPConnection(url.hostname, url.port, timeout=timeout)
    return http.client.HTTPSConnection(url.hostname, url.port, timeout=timeout, context=ssl.create_default_context())


def email_message(followup, settings):
    config = current_app.config
    message = EmailMessage()
    message["Subject"] = followup.subject
    message["From"] = config["MAIL_FROM"]
    message["To"] = settings.email
    message["Message-ID"] = message_id(followup)
    message["Date"] = format_datetime(followup.created_at.replace(tzinfo=timezone.utc))
    message.set_content(f"{followup.body}\n\n-- \nSent by the disruption and licensing system. "
                        f"Please acknowledge it in your organisation's inbox.\nReference: {followup.idempotency_key}\n")
    return message


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

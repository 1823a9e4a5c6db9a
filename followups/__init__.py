"""Messages that must reach an organisation: outbox, delivery, inbox, acknowledgement, escalation."""

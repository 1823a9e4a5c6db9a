"""Messages that must reach an organisation: outbox, delivery, inbox, acknowledgement, escalation.

Every part of the product tells an organisation something it must not miss through send().
"""
from followups.outbox import escalate_once, periodic_check, send

__all__ = ["escalate_once", "periodic_check", "send"]

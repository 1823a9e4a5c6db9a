"""The licensing workflow (SPEC §4.1): licences change status only here, and flags, recommendations,
hearings and decisions each send the follow-ups that make sure every partner hears the outcome.

Every function takes and returns models, changes state inside one transaction, and audits it.
"""
from flask import current_app
from peewee import IntegrityError

from core import audit
from core.db import db
from core.errors import WorkflowError
from core.models import Organisation
from core.timeutil import london_today, to_local, utcnow
from core.workdays import add_working_days
from followups import escalate_once, periodic_check, send
from licensing.models import (LICENCE_ACTIONS, LIVE_STATUSES, OUTCOMES, PARTNER_KINDS, RECOMMENDATION_ACTIONS,
                              TRANSITIONS, Decision, Flag, HearingInvitation, HearingLicence, Licence, LicenceEvent,
                              PanelHearing, Recommendation, RecommendationPartner)


today = london_today  # a module attribute, so tests can stand on a given day


# fn(licence, from_status, user), run inside change_status's transaction: licensing/duties.py registers one.
STATUS_HOOKS = []


def change_status(licence, to_status, reason, user):
    """Move a licence to to_status if the workflow allows it, keeping the history and an audit entry."""
    if to_status not in TRANSITIONS.get(licence.status, ()):
        allowed = ", ".join(TRANSITIONS.get(licence.status, ())) or "none: it is final"
        raise WorkflowError(f"A {licence.status} licence cannot become {to_status}. Allowed from here: {allowed}.")
    if not (reason or "").strip():
        raise WorkflowError("Give a reason for the change.")
    with db.atomic():
        from_status = licence.status
        granted_on = today() if to_status == "granted" and licence.granted_on is None else licence.granted_on
        # Only the status columns, and only if no one changed the status since this copy was read.
        changed = Licence.update(status=to_status, granted_on=granted_on).where(
            (Licence.id == licence.id) & (Licence.status == from_status)).execute()
        if not changed:
            raise WorkflowError("Someone changed this licence's status a moment ago. Reload it and try again.")
        licence.status, licence.granted_on = to_status, granted_on
        LicenceEvent.create(licence=licence, from_status=from_status, to_status=to_status, reason=reason.strip(),
                            user=user)
        audit.record("licence.status", licence, user=user, reason=f"{from_status} -> {to_status}: {reason.strip()}")
        for hook in STATUS_HOOKS:
            hook(licence, from_status, user)
    return licence


def create_licence(user, **fields):
    """Add a licence to an authority's register; its first history entry records how it arrived."""
    with db.atomic():
        licence = Licence.create(**fields)
        LicenceEvent.create(licence=licence, from_status=None, to_status=licence.status,
                            reason=fields.pop("reason", None) or "Added to the register", user=user)
        audit.record("licence.create", licence, user=user)
    return licence


def raise_flag(licence, category, summary, user):
    """Flag a concern; it is in the issuing authority's review queue at once, and the authority is told."""
    with db.atomic():
        flag = Flag.create(licence=licence, authority=licence.authority_id, source=user.organisation,
                           raised_by=user, category=category, summary=summary.strip())
        audit.record("flag.raise", flag, user=user, recipients=[licence.authority_id],
                     reason=f"on licence {licence.number}")
        send("flag.raised", licence, to=[licence.authority_id], sender=user.organisation,
             subject=f"New flag on {licence.kind_label.lower()} licence {licence.number}",
             body=f"{user.organisation.name} raised a flag ({flag.category_label}) on licence {licence.number} "
                  f"held by {licence.holder.name}. It is in your review queue.")
    return flag


def flag_holder(person, category, summary, user):
    """Flag a licence holder: one flag on each of their live licences, so every issuing authority has it."""
    licences = list(Licence.select().where((Licence.holder == person) & Licence.status.in_(LIVE_STATUSES)))
    if not licences:
        raise WorkflowError(f"{person.name} holds no live licence here to flag.")
    with db.atomic():
        return [raise_flag(licence, category, summary, user) for licence in licences]


def close_flag(flag, reason, user):
    if flag.closed_at:
        raise WorkflowError("This flag is already closed.")
    with db.atomic():
        Flag.update(closed_at=utcnow(), closed_reason=reason.strip()).where(Flag.id == flag.id).execute()
        audit.record("flag.close", flag, user=user, reason=reason.strip())
    return Flag.get_by_id(flag.id)


def recommend(licence, action, grounds, partner_ids, user, due_on=None):
    """Recommend an action to the licensing authority, naming the partners to be told of the outcome."""
    if action not in RECOMMENDATION_ACTIONS:
        raise WorkflowError(f"Unknown action {action!r}.")
    if licence.status not in LIVE_STATUSES:
        raise WorkflowError(f"The licence is {licence.status}; there is nothing left to recommend.")
    told = Organisation.select().where(Organisation.id.in_(list(partner_ids) or [0])
                                       & Organisation.kind.in_(PARTNER_KINDS) & Organisation.active)
    if len(told) != len(set(partner_ids)):
        raise WorkflowError("Name only active police forces, specialist teams and partner agencies to be told.")
    due_on = due_on or add_working_days(today(), current_app.config["RECOMMENDATION_DUE_WORKING_DAYS"])
    with db.atomic():
        recommendation = Recommendation.create(licence=licence, authority=licence.authority_id,
                                               organisation=user.organisation, created_by=user, action=action,
                                               grounds=grounds.strip(), due_on=due_on)
        partners = sorted(set(partner_ids) - {user.organisation_id, licence.authority_id})
        for organisation_id in partners:
            RecommendationPartner.create(recommendation=recommendation, organisation=organisation_id)
        audit.record("recommendation.create", recommendation, user=user, recipients=[licence.authority_id],
                     reason=f"{action} on licence {licence.number}")
        send("recommendation.made", recommendation, to=[licence.authority_id], sender=user.organisation,
             subject=f"Recommendation: {recommendation.action_label.lower()}, licence {licence.number}",
             body=f"{user.organisation.name} recommends: {recommendation.action_label}.\n\nGrounds:\n"
                  f"{recommendation.grounds}\n\nA decision is due by {due_on:%d %B %Y}.")
    return recommendation


def decide(recommendation, outcome, licence_action, reasons, user):
    """Record the authority's decision; in the same transaction act on the licence and tell everyone named."""
    if outcome not in OUTCOMES or licence_action not in LICENCE_ACTIONS:
        raise WorkflowError("Choose an outcome and an action on the licence.")
    if not (reasons or "").strip():
        raise WorkflowError("Give the reasons for the decision.")
    licence = recommendation.licence
    with db.atomic():
        try:
            # The unique index on decision.recommendation refuses a second decision, even in a race.
            with db.atomic():
                decision = Decision.create(recommendation=recommendation, outcome=outcome,
                                           licence_action=licence_action, reasons=reasons.strip(), decided_by=user)
        except IntegrityError:
            raise WorkflowError("This recommendation has already been decided.") from None
        if licence_action in TRANSITIONS:  # a status: suspended, revoked, refused
            # The history is read more widely than the decision, so it names the decision, not its reasons.
            change_status(licence, licence_action, f"Decision on recommendation {recommendation.id}: "
                                                   f"{decision.outcome_label.lower()}", user)
        audit.record("decision.record", decision, user=user, reason=f"{outcome}, {licence_action}")
        told = [recommendation.organisation_id] + [p.organisation_id for p in recommendation.partners]
        send("recommendation.outcome", recommendation, to=told, sender=user.organisation,
             due_in_working_days=current_app.config["OUTCOME_ACK_WORKING_DAYS"],
             subject=f"Outcome: {decision.outcome_label.lower()}, licence {licence.number}",
             body=f"{user.organisation.name} has decided the recommendation to "
                  f"{recommendation.action_label.lower()} licence {licence.number}.\n\n"
                  f"Outcome: {decision.outcome_label}\nAction on the licence: {LICENCE_ACTIONS[licence_action]}\n"
                  f"Reasons:\n{decision.reasons}\n\nPlease acknowledge that you have received this outcome.")
    return decision


def concerned_organisations(authority):
    """The police forces and specialist teams that work with this authority: those that have flagged or
    recommended on any of its licences. They are invited when a flagged licence is heard (L2); a force
    elsewhere in the country is not, since the hearing pack carries the concerns."""
    flagged = (Flag.select(Flag.source).join(Licence).where(Licence.authority == authority))
    recommended = (Recommendation.select(Recommendation.organisation).join(Licence)
                   .where(Licence.authority == authority))
    return {o.id for o in Organisation.select(Organisation.id).where(
        Organisation.active & Organisation.kind.in_(("police", "specialist"))
        & (Organisation.id.in_(flagged) | Organisation.id.in_(recommended)))}


def schedule_hearing(authority, starts_at, venue, licences, invite_ids, user):
    """Schedule a panel hearing. If any licence is flagged, police and the specialist team are invited (L2)."""
    if not licences:
        raise WorkflowError("Choose at least one licence to hear.")
    invited = set(invite_ids)
    if Flag.select().where(Flag.licence.in_(licences) & Flag.closed_at.is_null()).exists():
        invited |= concerned_organisations(authority)
    with db.atomic():
        hearing = PanelHearing.create(authority=authority, starts_at=starts_at, venue=venue.strip(), created_by=user)
        for licence in licences:
            HearingLicence.create(hearing=hearing, licence=licence)
        for organisation_id in sorted(invited - {authority.id}):
            HearingInvitation.create(hearing=hearing, organisation=organisation_id)
        numbers = ", ".join(licence.number for licence in licences)
        audit.record("hearing.schedule", hearing, user=user, recipients=sorted(invited - {authority.id}),
                     reason=f"licences {numbers}")
        if invited - {authority.id}:
            send("hearing.invitation", hearing, to=sorted(invited - {authority.id}), sender=authority,
                 subject=f"Invitation: licensing panel on {to_local(starts_at):%d %B %Y at %H:%M}",
                 body=f"{authority.name} invites you to a licensing panel hearing of licence(s) {numbers} on "
                      f"{to_local(starts_at):%A %d %B %Y at %H:%M}{', ' + venue.strip() if venue.strip() else ''}."
                      "\n\nPlease acknowledge and confirm who will attend.")
    return hearing


def record_hearing(hearing, attended_ids, minutes, decisions, user):
    """Record who attended, the minutes and the decisions taken at the hearing."""
    with db.atomic():
        for invitation in hearing.invitations:
            invitation.attended = invitation.organisation_id in set(attended_ids)
            invitation.save()
        hearing.minutes = minutes.strip()
        hearing.decisions = decisions.strip()
        hearing.save()
        audit.record("hearing.record", hearing, user=user)
    return hearing


@periodic_check
def escalate_undecided_recommendations():
    """A recommendation still undecided after its due date goes to the managers of both organisations."""
    def message(recommendation):
        licence = recommendation.licence
        return ([licence.authority_id, recommendation.organisation_id],
                f"Overdue decision: recommendation on licence {licence.number}",
                f"The recommendation to {recommendation.action_label.lower()} licence {licence.number} "
                f"was due for a decision by {recommendation.due_on:%d %B %Y} and has none.")

    return escalate_once(Recommendation.undecided().where(Recommendation.due_on < today()), message)

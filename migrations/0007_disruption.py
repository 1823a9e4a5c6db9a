"""Disruption: the tactic catalogue (with the tactics of SPEC §3 as data), operations, their targets, disruption
actions and their history, and the tactics ruled out per target."""
from datetime import datetime, timezone

from peewee import *

# The catalogue every installation starts with (SPEC §3, limits from §4.5). Admins extend it in the app.
# code, name, legal basis, target kinds, organisation kinds that apply it, max months, max days, min days, court
CATALOGUE = [
    ("child_abduction_warning_notice", "Child abduction warning notice",
     "Child Abduction Act 1984 s2 and Children Act 1989 s49: a police notice that the person has no permission "
     "to be with or contact the named young person; breach supports further action.",
     "person", "police", None, None, None, False),
    ("sexual_risk_order", "Sexual risk order",
     "Sexual Offences Act 2003 s122A (inserted by the Anti-social Behaviour, Crime and Policing Act 2014): "
     "magistrates' court order on police application, no conviction needed; at least 2 years.",
     "person", "police", None, None, 730, True),
    ("sexual_harm_prevention_order", "Sexual harm prevention order",
     "Sentencing Act 2020 s343 on conviction, or Sexual Offences Act 2003 s103A on police application to the "
     "magistrates' court; at least 5 years.",
     "person", "police", None, None, 1825, True),
    ("closure_notice", "Closure notice (premises)",
     "Anti-social Behaviour, Crime and Policing Act 2014 s76: issued by police or the council for 24 hours, "
     "extendable to 48 hours; an application for a closure order must be heard within 48 hours.",
     "premises", "police,licensing", None, 2, 1, False),
    ("closure_order", "Closure order (premises)",
     "Anti-social Behaviour, Crime and Policing Act 2014 s80 and s82: magistrates' court order for up to 3 "
     "months, extendable to 6 months in all.",
     "premises", "police,licensing", 6, None, None, True),
    ("section_116_notice", "Section 116 notice to a hotel",
     "Anti-social Behaviour, Crime and Policing Act 2014 s116: police notice requiring a hotel or similar "
     "establishment to provide guest information where child sexual exploitation is suspected; expires at most "
     "6 months after it takes effect.",
     "premises", "police", 6, None, None, False),
    ("community_protection_notice", "Community protection notice",
     "Anti-social Behaviour, Crime and Policing Act 2014 s43: police or council notice after a written warning.",
     "person,premises", "police,licensing", None, None, None, False),
    ("licence_review", "Licence review or suspension request",
     "Local Government (Miscellaneous Provisions) Act 1976 s61 and s62, Town Police Clauses Act 1847, "
     "Licensing Act 2003 s51: a recommendation to the licensing authority, which decides.",
     "person,vehicle", "police,specialist", None, None, None, False),
    ("premises_visit", "Premises visit and advice",
     "No statutory power needed: engagement and awareness (for example hotel and taxi awareness) by police, "
     "the council or the specialist team.",
     "premises", "police,licensing,specialist", None, None, None, False),
    ("taxi_compliance_check", "Taxi compliance check",
     "Local Government (Miscellaneous Provisions) Act 1976 s68 and licence conditions: checks of licensed "
     "vehicles and drivers, for example near schools or at premises.",
     "vehicle,premises,place", "licensing,police", None, None, None, False),
    ("vehicle_stop", "Vehicle stop and check",
     "Road Traffic Act 1988 s163 and s164: police stop, driver and vehicle documents.",
     "vehicle,place", "police", None, None, None, False),
    ("bail_conditions", "Bail conditions",
     "Bail Act 1976 s3 and Police and Criminal Evidence Act 1984 s47: conditions on pre-charge or court bail.",
     "person", "police", None, None, None, False),
    ("trespass_harbouring_notice", "Trespass or harbouring notice",
     "Children Act 1989 s49 and s50 and the owner's authority for trespass: notice that a person or premises must "
     "not harbour or admit the named young person.",
     "person,premises", "police", None, None, None, False),
    ("drugs_immigration_enforcement", "Drugs or immigration enforcement",
     "Misuse of Drugs Act 1971 s23 and Immigration Act 1971: warrants and enforcement visits with partners.",
     "person,premises,vehicle", "police", None, None, None, True),
    ("financial_investigation", "Financial investigation",
     "Proceeds of Crime Act 2002: financial investigation, cash seizure, account freezing and confiscation.",
     "person,premises", "police", None, None, None, True),
]


def up(migrator, db):
    class Licence(Model):
        class Meta:
            database = db
            table_name = 'licence'

    class Organisation(Model):
        class Meta:
            database = db
            table_name = 'organisation'

    class Person(Model):
        class Meta:
            database = db
            table_name = 'person'

    class Premises(Model):
        class Meta:
            database = db
            table_name = 'premises'

    class Recommendation(Model):
        class Meta:
            database = db
            table_name = 'recommendation'

    class User(Model):
        class Meta:
            database = db
            table_name = 'user'

    class Vehicle(Model):
        class Meta:
            database = db
            table_name = 'vehicle'

    class Tactic(Model):
        code = CharField(unique=True, max_length=40)
        name = CharField(max_length=200)
        legal_basis = TextField()
        target_kinds = CharField(max_length=60)
        applied_by = CharField(max_length=60)
        max_duration_months = IntegerField(null=True)
        max_duration_days = IntegerField(null=True)
        min_duration_days = IntegerField(null=True)
        court_involved = BooleanField(default=False)
        created_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'tactic'
    db.create_tables([Tactic])

    class Operation(Model):
        name = CharField(max_length=200)
        objective = TextField()
        lead = ForeignKeyField(Organisation, on_delete='RESTRICT')
        starts_on = DateField()
        ends_on = DateField(null=True)
        status = CharField(index=True, max_length=12, default='planned')
        created_by = ForeignKeyField(User, null=True, on_delete='SET NULL')
        created_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'operation'
    db.create_tables([Operation])

    class OperationTarget(Model):
        operation = ForeignKeyField(Operation, on_delete='CASCADE')
        kind = CharField(max_length=10)
        person = ForeignKeyField(Person, null=True, on_delete='RESTRICT')
        premises = ForeignKeyField(Premises, null=True, on_delete='RESTRICT')
        vehicle = ForeignKeyField(Vehicle, null=True, on_delete='RESTRICT')
        lat = FloatField(null=True)
        lon = FloatField(null=True)
        description = CharField(max_length=200, default='')
        added_by = ForeignKeyField(User, null=True, on_delete='SET NULL')
        added_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'operation_target'
    db.create_tables([OperationTarget])

    class DisruptionAction(Model):
        operation = ForeignKeyField(Operation, on_delete='CASCADE')
        target = ForeignKeyField(OperationTarget, on_delete='RESTRICT')
        tactic = ForeignKeyField(Tactic, on_delete='RESTRICT')
        owner = ForeignKeyField(User, null=True, on_delete='SET NULL')
        owner_organisation = ForeignKeyField(Organisation, on_delete='RESTRICT')
        status = CharField(index=True, max_length=12, default='planned')
        due_on = DateField(index=True, null=True)
        starts_on = DateField(null=True)
        expires_on = DateField(index=True, null=True)
        notes = TextField(default='')
        outcome = TextField(null=True)
        completed_at = DateTimeField(null=True)
        recommendation = ForeignKeyField(Recommendation, null=True, on_delete='RESTRICT')
        created_by = ForeignKeyField(User, null=True, on_delete='SET NULL')
        created_at = DateTimeField()
        due_reminded_at = DateTimeField(null=True)
        expiry_reminded_at = DateTimeField(null=True)
        overdue_sent_at = DateTimeField(null=True)
        class Meta:
            database = db
            table_name = 'disruption_action'
    db.create_tables([DisruptionAction])

    class ActionEvent(Model):
        action = ForeignKeyField(DisruptionAction, on_delete='CASCADE')
        from_status = CharField(null=True, max_length=12)
        to_status = CharField(max_length=12)
        note = TextField(default='')
        user = ForeignKeyField(User, null=True, on_delete='SET NULL')
        at = DateTimeField()
        class Meta:
            database = db
            table_name = 'action_event'
    db.create_tables([ActionEvent])

    class TacticRuledOut(Model):
        target = ForeignKeyField(OperationTarget, on_delete='CASCADE')
        tactic = ForeignKeyField(Tactic, on_delete='RESTRICT')
        reason = TextField()
        decided_by = ForeignKeyField(User, null=True, on_delete='SET NULL')
        decided_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'tactic_ruled_out'
            indexes = ((('target', 'tactic'), True),)
    db.create_tables([TacticRuledOut])

    # The catalogue is data the product needs in every installation, production included.
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    existing = {code for (code,) in Tactic.select(Tactic.code).tuples()}
    for code, name, basis, kinds, appliers, months, days, minimum, court in CATALOGUE:
        if code not in existing:
            Tactic.create(code=code, name=name, legal_basis=basis, target_kinds=kinds, applied_by=appliers,
                          max_duration_months=months, max_duration_days=days, min_duration_days=minimum,
                          court_involved=court, created_at=now)


def down(migrator, db):
    migrator.migrate(migrator.drop_table('tactic_ruled_out'))
    migrator.migrate(migrator.drop_table('action_event'))
    migrator.migrate(migrator.drop_table('disruption_action'))
    migrator.migrate(migrator.drop_table('operation_target'))
    migrator.migrate(migrator.drop_table('operation'))
    migrator.migrate(migrator.drop_table('tactic'))

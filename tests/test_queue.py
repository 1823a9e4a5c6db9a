"""Queue plumbing: jobs enqueued by dotted path run in a worker inside the app, with the database."""
from core.audit import AuditEvent
from core.queue import enqueue
from worker import make_worker


def test_a_job_runs_in_a_forked_worker_inside_the_app_context(app):
    with app.app_context():
        job = enqueue("jobs.record_from_worker", "queue.test")
        make_worker(app).work(burst=True)
        job.refresh()
        assert job.get_status() == "finished", job.latest_result()
    event = AuditEvent.get(AuditEvent.action == "queue.test")
    assert job.return_value() == event.id and event.reason == "app"


def test_a_failing_job_is_kept_as_failed_not_lost(app):
    with app.app_context():
        job = enqueue("jobs.record_from_worker")  # missing its argument
        make_worker(app).work(burst=True)
        job.refresh()
        assert job.get_status() == "failed"
        assert "TypeError" in job.latest_result().exc_string

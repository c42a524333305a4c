"""A django-tasks-db worker loop run inside another process: the CLI, tests, benchmarks."""

from django_tasks_db.management.commands.db_worker import Worker


def in_process_worker(*, worker_id: str, batch: bool = False, interval: float = 0.05) -> Worker:
    """A worker over every queue. `batch` runs what is due, then returns; otherwise call
    `.run()` in a thread and set `.running = False` to stop it."""
    return Worker(
        queue_names=["*"],
        interval=interval,
        batch=batch,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id=worker_id,
        excluded_queue_names=[],
    )

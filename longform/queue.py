"""The one way long videos queue work: the task registers itself here (longform.tasks imports
the services, so the services can't import it), as jobs.queue does for the job tasks."""

from django.conf import settings

_tasks: dict = {}


def register_tasks(*, advance):
    _tasks.update(advance=advance)


def queue_advance(parent_id):
    """Advance the long video (longform.services.advance): a task row written in the caller's
    transaction, on the queue of the process that follows the segments (a CLI run's own)."""
    _tasks["advance"].using(queue_name=settings.JOB_TASKS_QUEUE).enqueue(str(parent_id))

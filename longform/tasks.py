"""Background tasks of long videos: each loads a parent job's id and calls one service."""

from django.tasks import task

from core.log_context import about_job

from . import queue, services


@task
def advance_long_video_task(parent_id):
    with about_job(parent_id):
        services.advance(parent_id)


queue.register_tasks(advance=advance_long_video_task)

from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "jobs"
    verbose_name = "Avatar jobs"

    def ready(self):
        from . import (
            checks,  # noqa: F401  (registers the fal configuration checks)
            tasks,  # noqa: F401  (registers the tasks with jobs.queue)
        )

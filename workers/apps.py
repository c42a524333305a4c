from django.apps import AppConfig


class WorkersConfig(AppConfig):
    """Task worker processes: heartbeats, picking up the tasks of workers that died, pruning
    finished task rows, and a supervisor that keeps N of them running."""

    name = "workers"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import chores, services

        chores.register(services.task_pruning)

from django.apps import AppConfig


class WorkersConfig(AppConfig):
    """Task worker processes: heartbeats, picking up the tasks of workers that died, and a
    supervisor that keeps N of them running."""

    name = "workers"
    default_auto_field = "django.db.models.BigAutoField"

from django.apps import AppConfig


class ProjectConfig(AppConfig):
    """Not a feature app: it registers the project-wide system checks."""

    name = "config"
    label = "project"

    def ready(self):
        from . import checks  # noqa: F401

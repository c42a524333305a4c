from django.apps import AppConfig


class EngineConfig(AppConfig):
    name = "engine"
    verbose_name = "Local fal-compatible engine"

    def ready(self):
        from . import checks  # noqa: F401  (registers the engine's system checks)

from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = "REST API v1"

    def ready(self):
        from workers import chores

        from .idempotency import key_pruning

        chores.register(key_pruning)

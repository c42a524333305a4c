from django.apps import AppConfig


class FalProxyConfig(AppConfig):
    name = "falproxy"
    verbose_name = "fal JS client proxy"
    default_auto_field = "django.db.models.BigAutoField"

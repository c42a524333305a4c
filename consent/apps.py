from django.apps import AppConfig


class ConsentConfig(AppConfig):
    """Portraits and the people in them: what uploaders confirmed, and the pictures staff blocked."""

    name = "consent"
    verbose_name = "Portrait consent"
    default_auto_field = "django.db.models.BigAutoField"

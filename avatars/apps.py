from django.apps import AppConfig


class AvatarsConfig(AppConfig):
    """The browser pages; the workers sweep the files their refused forms kept."""

    name = "avatars"

    def ready(self):
        from workers import chores

        from .kept_inputs import kept_input_sweeping

        chores.register(kept_input_sweeping)

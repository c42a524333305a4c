from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    """E-mail when a job or a batch finishes: who wants it, what is owed, and the worker chore
    that sends it."""

    name = "notifications"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from batches.signals import batch_completed
        from jobs.signals import job_state_changed
        from workers import chores

        from . import receivers
        from .worker import MailChore

        job_state_changed.connect(receivers.job_state_changed, dispatch_uid="notifications.job_state_changed")
        batch_completed.connect(receivers.batch_completed, dispatch_uid="notifications.batch_completed")
        chores.register(MailChore)

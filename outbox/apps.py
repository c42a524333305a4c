from django.apps import AppConfig


class OutboxConfig(AppConfig):
    """Outgoing webhooks: endpoints users register, the events of their jobs and batches,
    signed deliveries with retries, and their log."""

    name = "outbox"
    verbose_name = "Outgoing webhooks"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from batches.signals import batch_completed
        from jobs.signals import job_state_changed
        from workers import chores

        from . import receivers
        from .worker import DeliveryChore, webhook_log_pruning

        job_state_changed.connect(receivers.job_state_changed, dispatch_uid="outbox.job_state_changed")
        batch_completed.connect(receivers.batch_completed, dispatch_uid="outbox.batch_completed")
        chores.register(DeliveryChore)
        chores.register(webhook_log_pruning)

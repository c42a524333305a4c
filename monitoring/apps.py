from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    """Metrics (/metrics), the staff dashboard, structured logs without secrets, and the
    health probes (/healthz, /readyz). It listens to the pipeline's signals; nothing below
    it imports it."""

    name = "monitoring"

    def ready(self):
        from django.db.backends.signals import connection_created

        from jobs.signals import fal_call_finished, fal_finish_noticed, job_state_changed
        from webhooks.signals import webhook_rejected
        from workers import chores

        from . import aggregates, receivers, summaries

        chores.register(summaries.summary_chore)

        fal_call_finished.connect(receivers.count_fal_call, dispatch_uid="monitoring.fal_call")
        fal_finish_noticed.connect(receivers.count_finish_noticed, dispatch_uid="monitoring.finish_noticed")
        webhook_rejected.connect(receivers.count_webhook_rejected, dispatch_uid="monitoring.webhook_rejected")
        job_state_changed.connect(receivers.count_job_finished, dispatch_uid="monitoring.job_finished")
        connection_created.connect(aggregates.add_sqlite_functions, dispatch_uid="monitoring.sqlite_functions")

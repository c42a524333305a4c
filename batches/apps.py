from django.apps import AppConfig


class BatchesConfig(AppConfig):
    name = "batches"
    verbose_name = "Batches"

    def ready(self):
        from jobs.signals import job_state_changed

        from .services import note_item_finished

        job_state_changed.connect(note_item_finished, dispatch_uid="batches.note_item_finished")

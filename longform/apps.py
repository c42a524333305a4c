from django.apps import AppConfig


class LongformConfig(AppConfig):
    name = "longform"
    verbose_name = "Long videos"

    def ready(self):
        from jobs import long_audio
        from jobs.signals import job_state_changed
        from workers import chores

        from . import services, tasks  # noqa: F401  (tasks register themselves)

        long_audio.register_maker(services.create_long_video, adopter=services.adopt_long_video)
        job_state_changed.connect(services.note_job_moved, dispatch_uid="longform.note_job_moved")
        chores.register(services.unstick_chore)

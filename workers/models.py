from django.db import models


class WorkerHeartbeat(models.Model):
    """A running worker process, as it last reported itself. A worker that stops reporting
    has died (SIGKILL, OOM, a lost machine): the tasks it held are handed to the others."""

    worker_id = models.CharField(max_length=64, primary_key=True)
    host = models.CharField(max_length=255)
    pid = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    last_beat_at = models.DateTimeField(db_index=True)
    tasks_run = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"{self.worker_id} on {self.host} (pid {self.pid})"

"""A long video: one parent job (jobs.Job with segment_count) made of segment jobs, each
rendering a stretch of the parent's audio; the finished stretches are stitched into the
parent's video."""

from django.db import models

from jobs.models import Job


class LongVideo(models.Model):
    """What the parent job needs beyond a job's fields: where its stitching stands."""

    job = models.OneToOneField(Job, primary_key=True, on_delete=models.CASCADE, related_name="long_video")
    # How many segments the parent's log has reported done (services.advance reports the rest).
    reported_done = models.PositiveSmallIntegerField(default=0)
    # A stitch is running since then (a claim older than STITCH_STALE_SECONDS is presumed dead).
    stitch_started_at = models.DateTimeField(null=True, blank=True)
    stitch_seconds = models.FloatField(null=True, blank=True)

    def __str__(self):
        return f"Long video {self.job_id}"


class Segment(models.Model):
    """One attempt at one stretch of a long video's audio: its own job. A failed attempt is
    followed by one more (attempt 2) for the same stretch."""

    long_video = models.ForeignKey(LongVideo, on_delete=models.CASCADE, related_name="segments")
    job = models.OneToOneField(Job, on_delete=models.CASCADE, related_name="segment")
    position = models.PositiveSmallIntegerField()  # from 0, in the audio's order
    attempt = models.PositiveSmallIntegerField(default=1)
    start_seconds = models.FloatField()  # where the stretch starts and ends in the parent's audio
    end_seconds = models.FloatField()

    class Meta:
        ordering = ["position", "attempt"]
        constraints = [
            models.UniqueConstraint(fields=["long_video", "position", "attempt"], name="one_segment_attempt")
        ]

    def __str__(self):
        return f"{self.long_video_id} #{self.position} (attempt {self.attempt})"

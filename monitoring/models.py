from django.db import models


class MetricTotal(models.Model):
    """The running total of one counter series (a name and its labels), summed over every
    web and worker process: each adds what it counted every few seconds (monitoring.recorder).

    Only what the database does not already hold is counted here (fal calls, rejected
    webhooks, HTTP requests, durations observed as jobs end); /metrics reads everything
    else from the pipeline's own rows at scrape time.
    """

    name = models.CharField(max_length=100)
    # The labels as canonical JSON (sorted keys), so one series is always one row.
    labels = models.CharField(max_length=500, blank=True)
    value = models.FloatField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["name", "labels"], name="one_metric_total_per_series")]

    def __str__(self):
        return f"{self.name}{self.labels} = {self.value:g}"


class JobHour(models.Model):
    """What the dashboard shows of one closed hour (UTC), summed by a worker chore once the
    hour is over (monitoring.summaries): jobs created and ended by state, credits moved,
    failure reasons, and each completed job's steps as histograms of seconds."""

    hour = models.DateTimeField(unique=True)
    summary = models.JSONField()
    summed_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"jobs of the hour from {self.hour:%Y-%m-%d %H:%M}"

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Count, Q, Sum

from credits.models import LedgerEntry
from jobs.models import Job, JobState


class Batch(models.Model):
    """Many jobs made in one request (one portrait with many audio clips, or pairs): each
    item is an ordinary job; the batch adds totals, one end, and a zip of the videos."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="batches")
    endpoint_id = models.CharField(max_length=200)
    prompt = models.TextField(blank=True)
    webhook_url = models.URLField(max_length=2000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Set once, when the last item ends (see services.note_item_finished).
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "-created_at"])]
        verbose_name_plural = "batches"

    def __str__(self):
        return f"Batch {self.id}"

    @property
    def jobs(self):
        return Job.objects.filter(batch_item__batch=self).order_by("batch_item__position")

    def totals(self) -> dict:
        """Items per stage and credits held and charged, in two queries."""
        counts = self.items.aggregate(
            total=Count("pk"),
            queued=Count("pk", filter=Q(job__state__in=[JobState.PENDING, JobState.IN_QUEUE])),
            running=Count("pk", filter=Q(job__state=JobState.IN_PROGRESS)),
            completed=Count("pk", filter=Q(job__state=JobState.COMPLETED)),
            failed=Count("pk", filter=Q(job__state__in=[JobState.FAILED, JobState.TIMED_OUT])),
            cancelled=Count("pk", filter=Q(job__state=JobState.CANCELLED)),
        )
        ledger = LedgerEntry.objects.filter(job__batch_item__batch=self).aggregate(
            held=Sum("amount", filter=Q(kind=LedgerEntry.Kind.RESERVE), default=0),
            charged=Sum("amount", filter=Q(kind=LedgerEntry.Kind.CAPTURE), default=0),
        )
        return {**counts, "credits_held": ledger["held"], "credits_charged": ledger["charged"]}

    def status_from(self, totals) -> str:
        """The batch's status, from its totals (batch.totals()) and whether it has ended.

        "pending" while no item has started, the word its jobs use (an API value: it was
        "queued" before; see docs/batches.md)."""
        if not self.finished_at:
            return (
                "running"
                if totals["running"] or totals["completed"] + totals["failed"] + totals["cancelled"]
                else "pending"
            )
        if totals["completed"] == totals["total"]:
            return "completed"
        return "partially_completed" if totals["completed"] else "failed"

    def summary(self) -> dict:
        """The batch's public JSON, without URLs (the API adds those)."""
        totals = self.totals()
        return {
            "id": str(self.id),
            "status": self.status_from(totals),
            "endpoint_id": self.endpoint_id,
            "totals": totals,
            "created_at": self.created_at.isoformat(),
            "finished_at": self.finished_at.isoformat() if self.finished_at else None,
        }


class BatchItem(models.Model):
    batch = models.ForeignKey(Batch, on_delete=models.CASCADE, related_name="items")
    job = models.OneToOneField(Job, on_delete=models.CASCADE, related_name="batch_item")
    position = models.PositiveIntegerField()

    class Meta:
        ordering = ["position"]
        constraints = [models.UniqueConstraint(fields=["batch", "position"], name="one_item_per_batch_position")]

    def __str__(self):
        return f"{self.batch_id} #{self.position}"

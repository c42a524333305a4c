from django.db import models


class FalDelivery(models.Model):
    """One verified fal webhook delivery, remembered so that a replay of the very same
    signed message (same request id, timestamp and signature) is recorded only once.

    Deliveries older than the signature tolerance can never verify again, so they are pruned.
    """

    request_id = models.CharField(max_length=100)
    job_id = models.UUIDField(null=True, blank=True)
    signed_at = models.PositiveBigIntegerField()
    signature = models.CharField(max_length=128, unique=True)
    received_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name_plural = "fal deliveries"

    def __str__(self):
        return f"{self.request_id} @ {self.signed_at}"

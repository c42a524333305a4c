"""Credits: what a user may spend, as an append-only ledger and one balance row per user.

Amounts are whole credits (integers; 1 credit = $0.001 at the default prices). Each entry
moves credits between the user's available balance, credits held for a job, and credits
spent: a grant, a release or a lowered hold adds to the balance, a reserve holds, a capture spends what was
held, an adjustment (staff) adds or takes. The balance row is changed in the same
transaction as its entry, so it always equals the sum of the entries' effects.
"""

from django.conf import settings
from django.db import models


class CreditAccount(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="credit_account")
    balance = models.BigIntegerField(default=0)  # available: not held for any job

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(balance__gte=0), name="credit_balance_never_negative")
        ]

    def __str__(self):
        return f"{self.user} ({self.balance} credits)"


class LedgerEntry(models.Model):
    class Kind(models.TextChoices):
        GRANT = "grant", "Grant"
        RESERVE = "reserve", "Reserved"
        CAPTURE = "capture", "Charged"
        RELEASE = "release", "Released"
        ADJUST = "adjust", "Adjustment"
        # Part of a job's hold given back before it ends, once: a script job's hold is lowered
        # to its exact price once its speech is measured (credits.services.lower_hold).
        LOWER = "lower", "Hold lowered"

    # How each kind moves the available balance (an adjustment's amount carries its sign).
    BALANCE_EFFECT: dict[str, int] = {
        Kind.GRANT: 1,
        Kind.RESERVE: -1,
        Kind.CAPTURE: 0,
        Kind.RELEASE: 1,
        Kind.ADJUST: 1,
        Kind.LOWER: 1,
    }
    JOB_KINDS = (Kind.RESERVE, Kind.CAPTURE, Kind.RELEASE)

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="ledger_entries")
    job = models.ForeignKey(
        "jobs.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="ledger_entries"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    amount = models.BigIntegerField()
    note = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )  # the staff member behind a grant or adjustment
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "ledger entries"
        indexes = [
            models.Index(fields=["user", "-created_at"]),
            # Monitoring sums the credits moved by kind from the index alone (/metrics).
            models.Index(fields=["kind", "amount"], name="credits_ledger_kind_amount_idx"),
        ]
        constraints = [
            # Reserve, capture, release and lowering happen at most once per job, whatever races.
            models.UniqueConstraint(
                fields=["job", "kind"],
                condition=models.Q(kind__in=["reserve", "capture", "release", "lower"]),
                name="one_job_entry_per_kind",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.amount} ({self.user})"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("Ledger entries are append-only.")
        super().save(*args, **kwargs)

    @property
    def balance_change(self) -> int:
        return self.BALANCE_EFFECT[self.kind] * self.amount

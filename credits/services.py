"""Moving credits: grants, a hold per job, and settling it exactly once.

Every function changes the balance row (under a row lock) and writes its ledger entry in
one transaction; the database refuses a negative balance and a second reserve, capture or
release for the same job.
"""

from django.conf import settings
from django.db import transaction
from django.db.models import F

from .models import CreditAccount, LedgerEntry


class InsufficientCredits(Exception):
    code = "insufficient_credits"

    def __init__(self, balance, price, *, what="This job"):
        self.balance, self.price = balance, price
        super().__init__(f"{what} costs {price} credits and your balance is {balance} credits.")

    @property
    def shortfall(self):
        return self.price - self.balance


def account_for(user, *, lock=False) -> CreditAccount:
    """The user's account, opened the first time it is needed: with the STARTING_CREDITS
    grant, or empty when the grant waits for a confirmed e-mail address
    (SIGNUP_VERIFY_EMAIL: accounts.services.verify_email calls grant_starting_credits)."""
    with transaction.atomic():
        account, opened = CreditAccount.objects.get_or_create(user=user)
        if opened and not settings.SIGNUP_VERIFY_EMAIL and settings.STARTING_CREDITS:
            _move(account, user, LedgerEntry.Kind.GRANT, settings.STARTING_CREDITS, note="Welcome credits")
        if lock:
            account = CreditAccount.objects.select_for_update(no_key=True).get(pk=account.pk)
    return account


def grant_starting_credits(user) -> int:
    """Grant the STARTING_CREDITS, at most once per user (the grant entry is the record,
    read under the account's lock): the credits granted now, 0 when they were had before."""
    with transaction.atomic():
        account = account_for(user, lock=True)
        if not settings.STARTING_CREDITS or _has_starting_grant(user):
            return 0
        _move(account, user, LedgerEntry.Kind.GRANT, settings.STARTING_CREDITS, note="Welcome credits")
        return settings.STARTING_CREDITS


def starting_credits_pending(user) -> bool:
    """Whether the user's starting credits still wait for a confirmed e-mail address."""
    return bool(settings.SIGNUP_VERIFY_EMAIL and settings.STARTING_CREDITS) and not _has_starting_grant(user)


def _has_starting_grant(user) -> bool:
    return LedgerEntry.objects.filter(user=user, kind=LedgerEntry.Kind.GRANT).exists()


def refuse_unless_covered(user, amount: int, *, what):
    """Raise InsufficientCredits unless the balance covers `amount` (a batch's items, which
    are then reserved one by one). Call inside the creating transaction: the account stays
    locked until it commits."""
    account = account_for(user, lock=True)
    if account.balance < amount:
        raise InsufficientCredits(account.balance, amount, what=what)


def reserve_for_job(job, amount: int):
    """Hold `amount` credits for a job, or raise InsufficientCredits. Call inside the
    transaction that creates the job, as its last step: the account's row stays locked
    from here to the commit, so a user's submits take turns only for that long."""
    # One conditional UPDATE takes the lock and checks the balance (re-read after any wait
    # for the lock), instead of a read, a locking read and a write.
    with transaction.atomic(savepoint=False):
        held = CreditAccount.objects.filter(user=job.user, balance__gte=amount).update(balance=F("balance") - amount)
        if not held and not CreditAccount.objects.filter(user=job.user).exists():
            account_for(job.user)  # opened now, with any starting grant: ask again
            held = CreditAccount.objects.filter(user=job.user, balance__gte=amount).update(
                balance=F("balance") - amount
            )
        if held:
            LedgerEntry.objects.create(user=job.user, kind=LedgerEntry.Kind.RESERVE, amount=amount, job=job)
    if not held:  # raised outside the block: nothing was written, the caller's transaction stays usable
        raise InsufficientCredits(account_for(job.user).balance, amount)


def held_for(job) -> int | None:
    """What the job holds now: its reserve less a lowering (None: a job from before credits)."""
    amounts = dict(
        LedgerEntry.objects.filter(job=job, kind__in=[LedgerEntry.Kind.RESERVE, LedgerEntry.Kind.LOWER]).values_list(
            "kind", "amount"
        )
    )
    if LedgerEntry.Kind.RESERVE not in amounts:
        return None
    return amounts[LedgerEntry.Kind.RESERVE] - amounts.get(LedgerEntry.Kind.LOWER, 0)


def lower_hold(job, amount: int, *, note: str) -> int:
    """Lower an unfinished job's hold to `amount`, once (a script job's, once its speech's
    length is known): the difference comes back now. A hold already lowered, or already at
    or below `amount`, stays as it is. Returns the credits given back. Call under the job's
    row lock (as the job state machine settles under it), so a hold is never lowered while
    it is settled."""
    held = held_for(job)
    lowered = LedgerEntry.objects.filter(job=job, kind=LedgerEntry.Kind.LOWER).exists()
    if held is None or lowered or amount >= held:
        return 0
    with transaction.atomic():
        account = account_for(job.user, lock=True)
        _move(account, job.user, LedgerEntry.Kind.LOWER, held - amount, job=job, note=note)
        return held - amount


def settle_job(job, *, charge: int | None, note: str = ""):
    """Settle a finished job's hold, once: `charge` credits (at most what is held) are
    captured with `note` and the rest comes back; with no charge (None) everything comes
    back. Called by the job state machine inside the transaction that finishes the job
    (under the job's row lock, which lower_hold's caller takes too)."""
    held = held_for(job)
    if held is None:
        return  # a job from before credits existed
    with transaction.atomic():
        account = account_for(job.user, lock=True)
        charged = 0
        if charge is not None:
            charged = min(charge, held)
            _move(account, job.user, LedgerEntry.Kind.CAPTURE, charged, job=job, note=note)
        if held - charged:
            _move(account, job.user, LedgerEntry.Kind.RELEASE, held - charged, job=job)


def adjust(user, amount: int, *, by, note):
    """A staff grant (positive) or correction (either sign), recorded with who and why."""
    with transaction.atomic():
        account = account_for(user, lock=True)
        if account.balance + amount < 0:
            raise InsufficientCredits(account.balance, -amount)
        _move(account, user, LedgerEntry.Kind.ADJUST, amount, note=note, created_by=by)


def _move(account, user, kind, amount, **entry):
    account.balance += LedgerEntry.BALANCE_EFFECT[kind] * amount
    account.save(update_fields=["balance"])
    LedgerEntry.objects.create(user=user, kind=kind, amount=amount, **entry)

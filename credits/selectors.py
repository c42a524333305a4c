"""Queries the credits page needs."""

from django.db.models import BigIntegerField, Case, F, Sum, Value, When, Window

from .models import LedgerEntry

# How an entry moves the available balance (LedgerEntry.BALANCE_EFFECT), as SQL.
BALANCE_CHANGE = Case(
    When(kind=LedgerEntry.Kind.RESERVE, then=-F("amount")),
    When(kind=LedgerEntry.Kind.CAPTURE, then=Value(0)),
    default=F("amount"),
    output_field=BigIntegerField(),
)


def history(user):
    """The user's ledger, newest first, each entry with `balance_after`: the available
    balance once it was written (a running sum over all the user's entries, oldest first,
    so any page of the history shows the right figures)."""
    return (
        LedgerEntry.objects.filter(user=user)
        .select_related("job")
        .annotate(balance_after=Window(Sum(BALANCE_CHANGE), order_by=[F("created_at").asc(), F("id").asc()]))
        .order_by("-created_at", "-id")
    )

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render

from .models import LedgerEntry
from .services import account_for, starting_credits_pending

PAGE_SIZE = 25


@login_required
def credits_page(request):
    """The user's balance and the history of every credit movement, newest first."""
    account = account_for(request.user)
    entries = LedgerEntry.objects.filter(user=request.user).select_related("job")
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"account": account, "page": page, "starting_credits_pending": starting_credits_pending(request.user)}
    return render(request, "credits/credits.html", context)

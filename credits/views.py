from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render

from .selectors import history
from .services import account_for, starting_credits_pending

PAGE_SIZE = 25


@login_required
def credits_page(request):
    """The user's balance and the history of every credit movement, newest first."""
    account = account_for(request.user)
    page = Paginator(history(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"account": account, "page": page, "starting_credits_pending": starting_credits_pending(request.user)}
    return render(request, "credits/credits.html", context)

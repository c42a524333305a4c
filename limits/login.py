"""Sign-in attempts are limited per account and per client address, so passwords can't be
guessed at speed.

Each attempt is counted before its password is checked (an atomic increment: see
limits.counters), so however many guesses arrive at once, at most LOGIN_ATTEMPTS_PER_ACCOUNT
passwords are checked for one account in a window, and at most LOGIN_ATTEMPTS_PER_IP from
one client address. A locked-out account is refused even with the right password until its
window passes; signing in clears the account's count and gives the address its attempt
back. An address over its limit is answered 429 without touching any account's count, so
a guesser can't spend other people's attempts. The address is the client's own behind a
trusted proxy (limits.clients), not the proxy's, which every client would share.
"""

import logging

from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import LoginView
from django.core.exceptions import ValidationError

from .clients import client_address
from .counters import Rate, forget, give_back, hit, wait_in_words

logger = logging.getLogger(__name__)


def _budgets(request, username):
    """(what, key, rate) for each limit, the address first: its refusal must not count
    against the account."""
    return [
        ("address", f"login:ip:{client_address(request)}", Rate.parse(settings.LOGIN_ATTEMPTS_PER_IP)),
        ("account", f"login:account:{username.strip().lower()}", Rate.parse(settings.LOGIN_ATTEMPTS_PER_ACCOUNT)),
    ]


class LimitedAuthenticationForm(AuthenticationForm):
    retry_after = None  # seconds, when refused for too many attempts

    def clean(self):
        username, password = self.cleaned_data.get("username"), self.cleaned_data.get("password")
        if not (username and password):
            return super().clean()  # no password is checked: Django only says what is missing
        budgets = _budgets(self.request, username)
        for what, key, rate in budgets:
            if wait := hit(key, rate):
                self._refuse(what, key, wait)
        cleaned = super().clean()  # the password check; a failure keeps its count
        (_, address_key, address_rate), (_, account_key, account_rate) = budgets
        forget(account_key, account_rate)
        give_back(address_key, address_rate)
        return cleaned

    def _refuse(self, what, key, wait):
        logger.warning("Sign-in refused: too many attempts for this %s (%s).", what, key)
        self.retry_after = wait
        subject = (
            "failed sign-in attempts for this account"
            if what == "account"
            else "sign-in attempts from your network address"
        )
        raise ValidationError(f"Too many {subject}; try again in {wait_in_words(wait)}.", code="locked_out")


class LimitedLoginView(LoginView):
    """Django's sign-in page with LimitedAuthenticationForm; a refusal for too many
    attempts is a 429 with Retry-After, as the API's limits are."""

    authentication_form = LimitedAuthenticationForm
    redirect_authenticated_user = True

    def form_invalid(self, form):
        response = super().form_invalid(form)
        if form.retry_after:
            response.status_code = 429
            response["Retry-After"] = str(form.retry_after)
        return response

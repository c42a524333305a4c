"""Sign-in attempts are limited per account and per client address, so passwords can't be
guessed at speed. A locked-out account is refused even with the right password until its
window passes; signing in successfully clears the account's count."""

import logging

from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError

from .counters import Rate, exhausted, forget, hit

logger = logging.getLogger(__name__)


def _keys(request, username):
    return {
        "account": (f"login:account:{username.strip().lower()}", Rate.parse(settings.LOGIN_ATTEMPTS_PER_ACCOUNT)),
        "address": (f"login:ip:{request.META.get('REMOTE_ADDR', '')}", Rate.parse(settings.LOGIN_ATTEMPTS_PER_IP)),
    }


class LimitedAuthenticationForm(AuthenticationForm):
    def clean(self):
        username = self.cleaned_data.get("username") or ""
        keys = _keys(self.request, username)
        for what, (key, rate) in keys.items():
            if wait := exhausted(key, rate):
                logger.warning("Sign-in refused: too many failures for this %s (%s).", what, key)
                minutes = max(1, round(wait / 60))
                subject = "this account" if what == "account" else "this network address"
                raise ValidationError(
                    f"Too many failed sign-in attempts for {subject}; try again in {minutes} minute{'s' if minutes > 1 else ''}.",
                    code="locked_out",
                )
        try:
            cleaned = super().clean()
        except ValidationError:
            for key, rate in keys.values():
                hit(key, rate)
            raise
        forget(*keys["account"])
        return cleaned

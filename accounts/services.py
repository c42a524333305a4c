"""New accounts: who may create one (SIGNUP_MODE, invites), and, with SIGNUP_VERIFY_EMAIL,
the e-mailed link whose opening grants the starting credits (in remote mode those credits
are real fal spend, so an account alone is not enough to get them)."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode

from credits import services as credits

from .models import Invite


class SignUpRefused(Exception):
    pass


class EmailVerificationTokens(PasswordResetTokenGenerator):
    """Django's signed, expiring tokens (PASSWORD_RESET_TIMEOUT), for one user and the address
    the link was sent to."""

    key_salt = "accounts.services.EmailVerificationTokens"

    def _make_hash_value(self, user, timestamp):
        return f"{user.pk}{user.email}{timestamp}"


verification_tokens = EmailVerificationTokens()


def create_account(*, username, email, password, invite_code="", site_url):
    """A new user, or SignUpRefused. In invite mode the code is claimed in the same
    transaction, so one code makes one account however many use it at once. With
    SIGNUP_VERIFY_EMAIL the address is sent the link that brings the starting credits."""
    if settings.SIGNUP_MODE == "closed":
        raise SignUpRefused("Sign-ups are closed.")
    with transaction.atomic():
        user = get_user_model().objects.create_user(username=username, email=email, password=password)
        if settings.SIGNUP_MODE == "invite":
            claimed = Invite.objects.filter(code=invite_code, used_by=None).update(
                used_by=user, used_at=timezone.now()
            )
            if not claimed:
                raise SignUpRefused("This invite code is not valid, or has been used.")
    if settings.SIGNUP_VERIFY_EMAIL:
        send_verification_email(user, site_url=site_url)
    return user


def send_verification_email(user, *, site_url):
    """Mail `user` the link that confirms their address (and grants the starting credits)."""
    path = reverse(
        "verify_email",
        kwargs={"uidb64": urlsafe_base64_encode(force_bytes(user.pk)), "token": verification_tokens.make_token(user)},
    )
    context = {"user": user, "link": site_url.rstrip("/") + path, "credits": settings.STARTING_CREDITS}
    send_mail(
        "Confirm your e-mail address for Avatar Studio",
        render_to_string("registration/verify_email_email.txt", context),
        None,
        [user.email],
    )


def verify_email(uidb64, token):
    """(the user the link was for, the starting credits granted now), or (None, 0) for a link
    that is not valid. Opening a link again grants nothing more."""
    try:
        user = get_user_model().objects.get(pk=urlsafe_base64_decode(uidb64).decode())
    except (ValueError, OverflowError, get_user_model().DoesNotExist):
        return None, 0
    if not verification_tokens.check_token(user, token):
        return None, 0
    return user, credits.grant_starting_credits(user)

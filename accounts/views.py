"""Sign-up and the e-mailed confirmation link: thin views over accounts.services."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from limits.clients import client_address
from limits.counters import Rate, hit, wait_in_words

from . import services
from .forms import SignUpForm


def sign_up(request):
    if request.user.is_authenticated:
        return redirect("avatars:create")
    if settings.SIGNUP_MODE == "closed":
        return render(request, "registration/signup.html", {"closed": True}, status=403)
    form = SignUpForm(request.POST or None, initial={"invite_code": request.GET.get("invite", "")})
    if request.method == "POST" and form.is_valid():
        if wait := _too_many_sign_ups(request):
            form.add_error(
                None, f"Too many accounts were made from your network address; try again in {wait_in_words(wait)}."
            )
            response = render(request, "registration/signup.html", {"form": form}, status=429)
            response["Retry-After"] = str(wait)
            return response
        try:
            user = services.create_account(**form.account_arguments(), site_url=request.build_absolute_uri("/"))
        except services.SignUpRefused as exc:
            form.add_error(None, str(exc))
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _welcome(user))
            return redirect("avatars:create")
    return render(request, "registration/signup.html", {"form": form})


def _too_many_sign_ups(request):
    """Counted per client address before the account is made, so sign-ups at once can't all pass."""
    return hit(f"signup:{client_address(request)}", Rate.parse(settings.THROTTLE_RATES["signup"]))


def _welcome(user):
    if settings.SIGNUP_VERIFY_EMAIL:
        return (
            f"Welcome, {user.get_username()}! We sent a link to {user.email}: "
            f"open it to confirm the address and receive your {settings.STARTING_CREDITS} starting credits."
        )
    return f"Welcome, {user.get_username()}! Make your first talking avatar."


def verify_email(request, uidb64, token):
    user, granted = services.verify_email(uidb64, token)
    return render(request, "registration/verify_email.html", {"verified_user": user, "granted": granted})


@login_required
@require_POST
def send_confirmation_again(request):
    """Another confirmation link, for a mail that was lost (as often as sign-ups are allowed)."""
    if wait := hit(f"confirmation-mail:{request.user.pk}", Rate.parse(settings.THROTTLE_RATES["signup"])):
        messages.error(request, f"A link was sent a moment ago; try again in {wait_in_words(wait)}.")
    else:
        services.send_verification_email(request.user, site_url=request.build_absolute_uri("/"))
        messages.success(request, f"We sent a new link to {request.user.email}.")
    return redirect("credits:page")

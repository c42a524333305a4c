"""The sign-up form: Django's user creation, an e-mail address no other account uses, and
in invite mode the invite's code."""

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import UserCreationForm

from .models import Invite


class SignUpForm(UserCreationForm):
    email = forms.EmailField(help_text="We send password-reset links here.")
    invite_code = forms.CharField(
        label="Invite code", max_length=32, help_text="New accounts are by invitation: the code from yours."
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # One plain sentence instead of Django's list of every validator's rule; a password
        # that breaks a rule is still told exactly which one.
        self.fields[
            "password1"
        ].help_text = "At least 8 characters, not too common, not all digits, not like your username."
        if settings.SIGNUP_VERIFY_EMAIL:
            self.fields["email"].help_text = "We send a link here: your starting credits arrive when you open it."
        if settings.SIGNUP_MODE != "invite":
            del self.fields["invite_code"]

    class Meta(UserCreationForm.Meta):
        model = get_user_model()
        fields = ("username", "email")

    def clean_email(self):
        # One account per address: otherwise one mailbox could confirm any number of
        # accounts, each with its starting credits.
        email = self.cleaned_data["email"]
        if get_user_model().objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(
                "An account already uses this address. Forgotten its password? Reset it from the log-in page.",
                code="email_taken",
            )
        return email

    def clean_invite_code(self):
        code = self.cleaned_data["invite_code"].strip()
        if not Invite.objects.filter(code=code, used_by=None).exists():
            raise forms.ValidationError("This invite code is not valid, or has been used.", code="invalid_invite")
        return code

    def account_arguments(self):
        """Keyword arguments for services.create_account (call after is_valid())."""
        data = self.cleaned_data
        return {
            "username": data["username"],
            "email": data["email"],
            "password": data["password1"],
            "invite_code": data.get("invite_code", ""),
        }

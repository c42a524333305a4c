"""The browser side of API access: a user names, creates and revokes their tokens here."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from .models import ApiToken


class TokenForm(forms.Form):
    name = forms.CharField(
        label="Token name", max_length=100, help_text="Where you will use it, e.g. “laptop” or “CI”."
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_name(self):
        name = self.cleaned_data["name"]
        if problem := ApiToken.name_problem(self.user, name):
            raise forms.ValidationError(problem)
        return name


@login_required
def tokens(request):
    form = TokenForm(request.POST or None, user=request.user)
    new_secret = None
    if request.method == "POST" and form.is_valid():
        token, new_secret = ApiToken.issue(request.user, form.cleaned_data["name"])
        form = TokenForm(user=request.user)
    context = {"form": form, "tokens": ApiToken.objects.active().filter(user=request.user), "new_secret": new_secret}
    response = render(request, "api/tokens.html", context)
    if new_secret:
        response["Cache-Control"] = "no-store"  # the secret must not linger in a cache
    return response


@login_required
@require_POST
def revoke(request, token_id):
    token = get_object_or_404(ApiToken.objects.active().filter(user=request.user), pk=token_id)
    token.revoke()
    messages.success(request, f"Token “{token.name}” revoked; programs using it are refused from now on.")
    return redirect("tokens")

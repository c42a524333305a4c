from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from . import services
from .forms import PreferenceForm


@login_required
def preferences(request):
    form = PreferenceForm(request.POST or None, initial={"email_when_done": services.email_when_done(request.user)})
    if request.method == "POST" and form.is_valid():
        services.set_email_when_done(request.user, form.cleaned_data["email_when_done"])
        messages.success(
            request,
            "Saved." if request.user.email else "Saved. Add an e-mail address to your account to receive them.",
        )
        return redirect("notifications:preferences")
    return render(request, "notifications/preferences.html", {"form": form})

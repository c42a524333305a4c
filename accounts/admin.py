"""Staff make invites here (SIGNUP_MODE=invite) and hand out the sign-up link each shows."""

from django.contrib import admin
from django.urls import reverse

from .models import Invite


@admin.register(Invite)
class InviteAdmin(admin.ModelAdmin):
    list_display = ("code", "note", "created_by", "created_at", "used_by", "used_at")
    list_filter = (("used_by", admin.EmptyFieldListFilter),)
    search_fields = ("code", "note", "used_by__username")
    fields = ("note", "code", "sign_up_link", "created_by", "created_at", "used_by", "used_at")
    readonly_fields = ("code", "sign_up_link", "created_by", "created_at", "used_by", "used_at")

    @admin.display(description="Sign-up link")
    def sign_up_link(self, invite):
        if not invite.pk:
            return "Shown once saved."
        return f"{reverse('signup')}?invite={invite.code}"

    def save_model(self, request, invite, form, change):
        if not change:
            invite.created_by = request.user
        super().save_model(request, invite, form, change)

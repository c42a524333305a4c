from django.contrib import admin

from .models import BlockedPortrait, PortraitConsent


@admin.register(BlockedPortrait)
class BlockedPortraitAdmin(admin.ModelAdmin):
    """Pictures refused at every door. Block one from a job's review (an action of the job
    list) or here by its SHA-256; deleting the row lets the picture be used again."""

    list_display = ["image_sha256", "reason", "blocked_by", "blocked_at"]
    search_fields = ["image_sha256", "reason"]
    readonly_fields = ["blocked_by", "blocked_at"]

    def save_model(self, request, obj, form, change):
        obj.blocked_by = obj.blocked_by or request.user
        super().save_model(request, obj, form, change)


@admin.register(PortraitConsent)
class PortraitConsentAdmin(admin.ModelAdmin):
    """What uploaders confirmed: a record, never edited."""

    list_display = ["user", "image_sha256", "job_id", "agreed_at", "ip_address"]
    list_select_related = ["user"]
    search_fields = ["image_sha256", "job_id", "user__username"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

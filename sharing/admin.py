from django.contrib import admin

from .models import ShareLink


@admin.register(ShareLink)
class ShareLinkAdmin(admin.ModelAdmin):
    """Staff see what is shared and can take a link back (delete = revoke)."""

    list_display = ["job", "created_at", "expires_at", "views"]
    list_select_related = ["job"]
    readonly_fields = ["job", "token", "created_at", "views"]
    search_fields = ["token", "job__id"]

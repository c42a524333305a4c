from django.contrib import admin

from .models import Delivery, DeliveryAttempt, Message, WebhookEndpoint


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    list_display = ["url", "user", "is_active", "failing_since", "created_at"]
    list_filter = ["is_active"]
    list_select_related = ["user"]
    raw_id_fields = ["user"]
    # The secret is the owner's alone: staff never see it.
    exclude = ["secret"]
    readonly_fields = ["disabled_at", "failing_since", "created_at"]


class DeliveryAttemptInline(admin.TabularInline):
    model = DeliveryAttempt
    extra = 0
    can_delete = False
    readonly_fields = ["attempted_at", "status_code", "error", "latency_ms", "response_snippet"]


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ["message", "url", "state", "attempt_count", "next_attempt_at", "created_at"]
    list_filter = ["state"]
    raw_id_fields = ["message", "endpoint"]
    readonly_fields = ["created_at"]
    inlines = [DeliveryAttemptInline]


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ["id", "type", "user", "created_at"]
    list_filter = ["type"]
    list_select_related = ["user"]
    raw_id_fields = ["user"]
    readonly_fields = ["id", "created_at"]

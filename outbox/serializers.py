from rest_framework import serializers

from . import services
from .models import Delivery, DeliveryAttempt, EventType, WebhookEndpoint


class WebhookEndpointSerializer(serializers.ModelSerializer):
    """An endpoint as the API shows it: never its secret (see WebhookEndpointCreatedSerializer)."""

    events = serializers.ListField(
        child=serializers.ChoiceField(choices=EventType.choices),
        required=False,
        allow_empty=True,
        help_text="Event types to receive; empty or left out: all of them.",
    )
    enabled = serializers.BooleanField(source="is_active", required=False)

    class Meta:
        model = WebhookEndpoint
        fields = ["id", "url", "description", "events", "enabled", "disabled_at", "disabled_reason", "created_at"]
        read_only_fields = ["id", "disabled_at", "disabled_reason", "created_at"]

    def validate_url(self, url):
        services.check_webhook_url(url)  # its ValidationError becomes this field's error
        return url


class WebhookEndpointCreatedSerializer(WebhookEndpointSerializer):
    """The answer to a create: the only time the secret is shown."""

    class Meta(WebhookEndpointSerializer.Meta):
        fields = [*WebhookEndpointSerializer.Meta.fields, "secret"]
        read_only_fields = [*WebhookEndpointSerializer.Meta.read_only_fields, "secret"]


class DeliveryAttemptSerializer(serializers.ModelSerializer):
    class Meta:
        model = DeliveryAttempt
        fields = ["attempted_at", "status_code", "error", "latency_ms", "response_snippet"]


class DeliverySerializer(serializers.ModelSerializer):
    message_id = serializers.CharField(source="message.id")
    event_type = serializers.CharField(source="message.type")
    payload = serializers.JSONField(source="message.payload")
    url = serializers.CharField(source="destination_url")
    attempts = DeliveryAttemptSerializer(many=True)

    class Meta:
        model = Delivery
        fields = [
            "id",
            "message_id",
            "event_type",
            "url",
            "state",
            "attempt_count",
            "next_attempt_at",
            "note",
            "created_at",
            "payload",
            "attempts",
        ]


class RedeliverSerializer(serializers.Serializer):
    message_id = serializers.CharField(max_length=40)

"""The queries the API and the pages need, each scoped to one user's own rows."""

from django.db.models import Prefetch

from .models import Delivery, DeliveryAttempt, Message, WebhookEndpoint


def endpoints_of(user):
    return WebhookEndpoint.objects.filter(user=user)


def _with_attempts(deliveries):
    attempts = Prefetch("attempts", queryset=DeliveryAttempt.objects.order_by("attempted_at", "id"))
    return deliveries.select_related("message", "endpoint").prefetch_related(attempts)


def deliveries_to(endpoint):
    """Every delivery to `endpoint`, newest first, with its attempts."""
    return _with_attempts(Delivery.objects.filter(endpoint=endpoint))


def deliveries_of(user):
    """Every delivery of `user`'s events (to endpoints and one-off URLs), newest first."""
    return _with_attempts(Delivery.objects.filter(message__user=user))


def delivery_of(user, delivery_id):
    return Delivery.objects.select_related("message", "endpoint").filter(message__user=user, pk=delivery_id).first()


def message_of(user, message_id):
    return Message.objects.filter(user=user, pk=message_id).first()

"""What the webhook endpoint tells the floors above it (monitoring) without knowing them."""

from django.dispatch import Signal

# Sent for every fal callback refused before it reached a job: `reason` is
# webhooks.verification.InvalidWebhook.reason (missing_header, malformed, stale_timestamp,
# wrong_account, keys_unavailable, bad_signature).
webhook_rejected = Signal()

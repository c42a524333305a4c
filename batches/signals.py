"""What a batch tells the floors above it (outgoing webhooks) without knowing them."""

from django.dispatch import Signal

# Sent inside the transaction that marks a batch finished (every item terminal), once
# per batch. Receivers get `batch`: .id (UUID), .user, .webhook_url ("" when none) and
# .summary() -> dict (the batch's public JSON).
batch_completed = Signal()

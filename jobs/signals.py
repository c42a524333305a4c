"""What the job app tells the floors above it (batches, outgoing webhooks) without knowing
them: they connect receivers here, and jobs never imports them."""

from django.dispatch import Signal

# Sent by jobs.state.transition inside the transaction that moves the job, so a receiver
# that writes rows (an outbox entry, a batch's end) commits or rolls back with the move.
# Receivers get `job` (the saved row), `from_state` and `to_state`; they must be quick and
# must not call out over the network: queue a task on commit instead.
job_state_changed = Signal()

"""What the job app tells the floors above it (batches, outgoing webhooks) without knowing
them: they connect receivers here, and jobs never imports them."""

from django.dispatch import Signal

# Sent by jobs.state.transition inside the transaction that moves the job, so a receiver
# that writes rows (an outbox entry, a batch's end) commits or rolls back with the move.
# Receivers get `job` (the saved row), `from_state` and `to_state`; they must be quick and
# must not call out over the network: queue a task on commit instead.
job_state_changed = Signal()

# Sent by jobs.fal after every call to fal (or the local engine), whatever its outcome:
# `operation` (submit, status, result, cancel, upload, download), `outcome` ("ok",
# "http_<status>", "unreachable", "transport_error", "bad_answer"; a download the caller
# gave up on midway: "abandoned") and `seconds`.
fal_call_finished = Signal()

# Sent once per job when we first learn fal has finished its request: `job_id` and `source`
# ("webhook", "poll" or "cancel").
fal_finish_noticed = Signal()

"""The signals outgoing webhooks listen to; each receiver hands over to one service."""

from . import services


def job_state_changed(sender, *, job, from_state, to_state, **kwargs):
    # Inside the transition's transaction: the event commits with the state change.
    services.record_job_event(job, to_state)


def batch_completed(sender, *, batch, **kwargs):
    # Inside the transaction that finishes the batch.
    services.record_batch_completed(batch)

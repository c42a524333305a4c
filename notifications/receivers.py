"""The endings the e-mails follow; each receiver hands over to one service."""

from . import services


def job_state_changed(sender, *, job, to_state, **kwargs):
    # Inside the transition's transaction: the e-mail is owed exactly when the ending commits.
    services.record_job_finished(job)


def batch_completed(sender, *, batch, **kwargs):
    services.record_batch_finished(batch)

"""Every running worker sends the owed e-mails in a chore of its own (workers.chores), so a
slow mail server never holds a job task or a request."""

from workers.chores import Every

from .services import send_due

# How long a worker waits before looking again once nothing is due.
INTERVAL_SECONDS = 2.0


def MailChore():
    return Every(INTERVAL_SECONDS, send_due)

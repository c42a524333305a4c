"""config/gunicorn.py with the ledger and admission control swapped for no-ops in every web
process: the "without" of bench/admission_overhead.py (what the pipeline did before them)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from config.gunicorn import *  # noqa: F403  the production server's own settings, whole, after the path is set


def post_worker_init(worker):
    from unittest import mock

    from jobs.models import Job

    for patch in (
        mock.patch("credits.services.reserve_for_job"),
        mock.patch("credits.services.settle_job"),
        mock.patch("jobs.services.admission.refuse_if_too_many_active"),
        mock.patch("jobs.services.admission.claim_slot", side_effect=Job.objects.claim_submission),
    ):
        patch.start()

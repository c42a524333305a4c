"""What /metrics and the dashboard read from the pipeline's own tables: current states,
the ledger, the task queue, worker heartbeats, outgoing deliveries. Each is one query."""

from datetime import timedelta

from django.apps import apps
from django.conf import settings
from django.db.models import Count, Max, Min, Q, Sum
from django.tasks import TaskResultStatus
from django.utils import timezone
from django_tasks_db.models import DBTaskResult, get_date_max

from credits.models import LedgerEntry
from jobs.models import Job
from jobs.registry import MODELS_BY_ENDPOINT
from workers.models import WorkerHeartbeat

from .models import MetricTotal


def job_counts() -> list[tuple[str, str, int]]:
    """(state, model key, jobs) for every state and model that has jobs."""
    # COUNT(*), not COUNT(id): the (state, endpoint_id) index alone answers it.
    rows = Job.objects.order_by().values_list("state", "endpoint_id").annotate(jobs=Count("*"))
    return [(state, _model_key(endpoint_id), jobs) for state, endpoint_id, jobs in rows]


def _model_key(endpoint_id):
    model = MODELS_BY_ENDPOINT.get(endpoint_id)
    return model.key if model else endpoint_id


def credit_totals() -> dict[str, int]:
    """Credits moved by jobs since the ledger began: reserve, capture and release."""
    kinds = LedgerEntry.JOB_KINDS
    rows = LedgerEntry.objects.filter(kind__in=kinds).order_by().values_list("kind").annotate(total=Sum("amount"))
    return {**{kind.value: 0 for kind in kinds}, **dict(rows)}


def task_queue(now=None) -> dict:
    """How many tasks are ready for a worker and since when the oldest has waited."""
    now = now or timezone.now()
    never = get_date_max()
    ready = DBTaskResult.objects.filter(status=TaskResultStatus.READY).filter(
        Q(run_after=never) | Q(run_after__lte=now)
    )
    # A task is ready from its enqueueing, or from its run_after when it was delayed.
    summary = ready.aggregate(
        ready=Count("pk"),
        enqueued=Min("enqueued_at", filter=Q(run_after=never)),
        delayed=Min("run_after", filter=~Q(run_after=never)),
    )
    since = min((moment for moment in (summary["enqueued"], summary["delayed"]) if moment), default=None)
    return {"ready": summary["ready"], "oldest_age": (now - since).total_seconds() if since else 0.0}


def workers(now=None) -> dict:
    """Workers alive now, and how old the newest heartbeat is (None: no worker has reported)."""
    now = now or timezone.now()
    alive_since = now - timedelta(seconds=settings.WORKER_DEAD_AFTER_SECONDS)
    summary = WorkerHeartbeat.objects.aggregate(
        alive=Count("pk", filter=Q(last_beat_at__gte=alive_since)), newest=Max("last_beat_at")
    )
    newest = summary["newest"]
    return {"alive": summary["alive"], "newest_age": max(0.0, (now - newest).total_seconds()) if newest else None}


def outgoing_webhook_deliveries() -> dict[str, int]:
    """Outgoing webhook deliveries by state, from the outbox app; {} while it isn't installed
    (monitoring never requires it: it sits beside monitoring, not below it)."""
    if not apps.is_installed("outbox"):
        return {}
    Delivery = apps.get_model("outbox", "Delivery")
    return dict(Delivery.objects.order_by().values_list("state").annotate(total=Count("pk")))


def recorded_totals() -> list[tuple[str, str, float]]:
    """Every counted series (name, labels JSON, value) summed over all processes."""
    return list(MetricTotal.objects.order_by("name", "labels").values_list("name", "labels", "value"))

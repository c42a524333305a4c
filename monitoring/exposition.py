"""/metrics' text: the Prometheus exposition format, written by prometheus-client from
values read from the database at scrape time. Nothing is kept in a process between
scrapes, so any web process answers for all of them (and for every worker)."""

import json
from collections import defaultdict

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily

from . import catalog, selectors


class DatabaseCollector:
    def collect(self):
        yield from counted_families(selectors.recorded_totals())
        yield from read_families()


def render() -> bytes:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(DatabaseCollector())
    return generate_latest(registry)


def counted_families(totals):
    """The counters and histograms processes add up in MetricTotal (every catalogued one is
    written, with no samples until something is counted, so dashboards and alerts can name
    them from the first scrape)."""
    series = defaultdict(list)
    for name, labels, value in totals:
        series[name].append((json.loads(labels) if labels else {}, value))
    for metric in catalog.COUNTED:
        if metric.kind == "counter":
            family = CounterMetricFamily(metric.name, metric.help, labels=metric.labels)
            for labels, value in series[metric.name]:
                family.add_metric([labels.get(name, "") for name in metric.labels], value)
        else:
            family = HistogramMetricFamily(metric.name, metric.help, labels=metric.labels)
            for key, (buckets, total) in _histograms(metric, series).items():
                family.add_metric(list(key), buckets, total)
        yield family


def _histograms(metric, series):
    """Cumulative buckets per label set, from the per-bucket counts that were recorded."""
    per_bucket = defaultdict(dict)
    sums = defaultdict(float)
    for labels, value in series[f"{metric.name}_bucket"]:
        bound = labels.pop("le")
        per_bucket[tuple(labels.get(name, "") for name in metric.labels)][bound] = value
    for labels, value in series[f"{metric.name}_sum"]:
        sums[tuple(labels.get(name, "") for name in metric.labels)] = value
    histograms = {}
    for key, counts in per_bucket.items():
        running, buckets = 0.0, []
        for bound in [*map(catalog.format_bound, metric.buckets), "+Inf"]:
            running += counts.get(bound, 0.0)
            buckets.append((bound, running))
        histograms[key] = (buckets, sums[key])
    return histograms


def read_families():
    jobs = GaugeMetricFamily(catalog.JOBS.name, catalog.JOBS.help, labels=catalog.JOBS.labels)
    for state, model, count in selectors.job_counts():
        jobs.add_metric([state, model], count)
    yield jobs

    credits = CounterMetricFamily(catalog.CREDITS.name, catalog.CREDITS.help, labels=catalog.CREDITS.labels)
    for kind, total in sorted(selectors.credit_totals().items()):
        credits.add_metric([kind], total)
    yield credits

    queue = selectors.task_queue()
    yield GaugeMetricFamily(catalog.READY_TASKS.name, catalog.READY_TASKS.help, value=queue["ready"])
    yield GaugeMetricFamily(catalog.OLDEST_READY_TASK.name, catalog.OLDEST_READY_TASK.help, value=queue["oldest_age"])

    workers = selectors.workers()
    yield GaugeMetricFamily(catalog.WORKERS_ALIVE.name, catalog.WORKERS_ALIVE.help, value=workers["alive"])
    heartbeat = GaugeMetricFamily(catalog.NEWEST_HEARTBEAT_AGE.name, catalog.NEWEST_HEARTBEAT_AGE.help)
    if workers["newest_age"] is not None:
        heartbeat.add_metric([], workers["newest_age"])
    yield heartbeat

    deliveries = GaugeMetricFamily(
        catalog.OUTGOING_DELIVERIES.name, catalog.OUTGOING_DELIVERIES.help, labels=catalog.OUTGOING_DELIVERIES.labels
    )
    for outcome, count in sorted(selectors.outgoing_webhook_deliveries().items()):
        deliveries.add_metric([outcome], count)
    yield deliveries

"""Reading /metrics the way Prometheus does: over HTTP, parsed by prometheus-client."""

from prometheus_client.parser import text_string_to_metric_families

METRICS_TOKEN = "test-metrics-token-0123456789abcdef"


class Scrape(dict):
    """{(sample name, frozenset of labels): value}, answering 0 for a series not exposed."""

    def value(self, name, **labels):
        return self.get((name, frozenset(labels.items())), 0.0)

    def total(self, name, **labels):
        """The sum over every series of `name` whose labels include `labels`."""
        wanted = set(labels.items())
        return sum(
            value for (sample, sample_labels), value in self.items() if sample == name and wanted <= sample_labels
        )

    def families(self):
        return {name for name, _ in self}


def parse(text: str) -> Scrape:
    scrape = Scrape()
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            scrape[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return scrape


def scrape(client, settings=None) -> Scrape:
    """GET /metrics with the bearer token, through Django's test client or an httpx client."""
    if settings is not None:
        settings.METRICS_TOKEN = METRICS_TOKEN
    response = client.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
    assert response.status_code == 200, response.content
    assert response.headers["Content-Type"].startswith("text/plain; version=")
    return parse(response.content.decode())

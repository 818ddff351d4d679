"""Prometheus metrics of one service process.

Each app has its own registry (no module-level state), exposed at
``/metrics``. With several workers each process reports its own
counters; Prometheus sums them per instance label.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timezone

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import GaugeMetricFamily

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.02, 0.03, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0)


class ServiceMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter("chokepoint_http_requests", "HTTP requests by route and status.",
                                ["method", "route", "status"], registry=self.registry)
        self.latency = Histogram("chokepoint_http_request_duration_seconds", "HTTP request latency by route.",
                                 ["route"], buckets=LATENCY_BUCKETS, registry=self.registry)
        self.queries = Counter("chokepoint_screened_parties", "Parties screened, by endpoint.", ["endpoint"],
                               registry=self.registry)
        self.auth_failures = Counter("chokepoint_auth_failures", "Requests refused for a missing or bad key.",
                                     registry=self.registry)
        self.audit_records = Counter("chokepoint_audit_records", "Audit records appended by this process.",
                                     registry=self.registry)
        self.index_names = Gauge("chokepoint_index_names", "Listed names in the name index.",
                                 registry=self.registry)
        self.index_entities = Gauge("chokepoint_index_entities", "Listed entities in the name index.",
                                    registry=self.registry)
        self.index_load_seconds = Gauge("chokepoint_index_load_seconds", "Time the index took to load or build.",
                                        registry=self.registry)
        self.ready = Gauge("chokepoint_ready", "1 when the index is loaded and the service answers.",
                           registry=self.registry)
        self.list_stale = Gauge("chokepoint_list_stale",
                                "1 when a list's last update failed or its last success is too old.",
                                ["dataset"], registry=self.registry)
        self.list_last_update = Gauge("chokepoint_list_last_update_timestamp_seconds",
                                      "Unix time of each list's last successful update (or load).",
                                      ["dataset"], registry=self.registry)

    def report_sources(self, statuses: list) -> None:
        """Set the staleness gauges from ``lists.update.source_status``."""
        self.list_stale.clear()
        self.list_last_update.clear()
        for status in statuses:
            self.list_stale.labels(status.dataset).set(1 if status.stale else 0)
            if status.last_success is not None:
                self.list_last_update.labels(status.dataset).set(status.last_success.timestamp())

    def watch_lists(self, versions: Callable[[], list]) -> None:
        """Report the age of each active list version at every scrape."""
        self.registry.register(_ListAgeCollector(versions))


class _ListAgeCollector:
    def __init__(self, versions: Callable[[], list]) -> None:
        self.versions = versions

    def describe(self):
        return []

    def collect(self):
        age = GaugeMetricFamily("chokepoint_list_age_seconds",
                                "Seconds since the active version of each list was published (else loaded).",
                                labels=["dataset", "version"])
        entities = GaugeMetricFamily("chokepoint_list_entities", "Listed entities in the active version.",
                                     labels=["dataset"])
        now = datetime.now(timezone.utc)
        for v in self.versions():
            if v.published:
                since = datetime(v.published.year, v.published.month, v.published.day, tzinfo=timezone.utc)
            else:
                since = v.loaded_at
            age.add_metric([v.dataset, v.id], (now - since).total_seconds())
            entities.add_metric([v.dataset], v.target_count)
        yield age
        yield entities


class MetricsMiddleware:
    """Pure ASGI middleware: counts and times every HTTP request by its
    route template (never the raw path, to bound label cardinality)."""

    def __init__(self, app, metrics: ServiceMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = {"code": 500}

        async def send_wrapper(message):
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            route = scope.get("route")
            template = getattr(route, "path", None) or "unmatched"
            self.metrics.requests.labels(scope["method"], template, str(status["code"])).inc()
            self.metrics.latency.labels(template).observe(time.perf_counter() - start)

"""Prometheus metrics, one registry per running service (so tests can build many)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram


class Metrics:
    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        self.judgments = Counter(
            "ducu_judgments_total", "Judgments received", ["result"], registry=self.registry
        )
        self.sent = Counter(
            "ducu_messages_sent_total",
            "Outbound messages by result",
            ["channel", "result"],
            registry=self.registry,
        )
        self.inbound = Counter(
            "ducu_messages_received_total",
            "Inbound messages",
            ["channel", "duplicate"],
            registry=self.registry,
        )
        self.claims_lost = Counter(
            "ducu_reminder_claims_lost_total",
            "Reminders a worker found taken over after its lease ran out: not sent (at=send), "
            "or its write changed nothing (at=finish, retry)",
            ["at"],
            registry=self.registry,
        )
        self.abandoned = Counter(
            "ducu_reminders_abandoned_total",
            "Reminders failed at claim time: claimed DUCU_MAX_ATTEMPTS times, never an outcome",
            registry=self.registry,
        )
        self.send_latency = Histogram(
            "ducu_send_seconds",
            "Time for a provider to accept one message",
            ["channel"],
            registry=self.registry,
        )
        self.lateness = Histogram(
            "ducu_reminder_lateness_seconds",
            "From a reminder's due time to its hand-off",
            buckets=(0.5, 1, 2, 5, 10, 30, 60, 300, 3600),
            registry=self.registry,
        )

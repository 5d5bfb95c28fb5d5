"""Alert ingestion: the integrations monitoring tools post to, the raw events they posted (stored
before answering), and the alerts those events describe, grouped onto incidents."""

import secrets

from django.db import models
from django.db.models import Q
from django.utils import timezone

from core.models import ConfigurationRecord

# The defaults: severity → (impact, urgency); anything else maps like `info`.
DEFAULT_SEVERITY_MAP = {"critical": [1, 1], "error": [2, 1], "warning": [2, 2], "info": [3, 3]}
FALLBACK_SEVERITY = "info"
DEFAULT_RATE_LIMIT = 600  # accepted requests per minute and integration


def new_key() -> str:
    """The secret that forms the integration's URL (and is its Events API `routing_key`)."""
    return secrets.token_hex(16)  # 32 characters, like a PagerDuty integration key


class Integration(ConfigurationRecord):
    class Kind(models.TextChoices):
        ALERTMANAGER = "alertmanager", "Prometheus Alertmanager"
        EVENTS_V2 = "events_v2", "Events API v2 (PagerDuty-compatible)"

    class Grouping(models.TextChoices):
        GROUP_KEY = "group_key", "One incident per Alertmanager group (groupKey)"
        FINGERPRINT = "fingerprint", "One incident per alert (fingerprint)"

    name = models.CharField(max_length=100, unique=True)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    service = models.ForeignKey("catalog.Service", on_delete=models.PROTECT, related_name="+")
    key = models.CharField(max_length=64, unique=True, default=new_key, editable=False)
    severity_map = models.JSONField(
        default=dict, blank=True, help_text='Severity → [impact, urgency], e.g. {"critical": [1, 1]}.'
    )
    grouping = models.CharField(max_length=16, choices=Grouping.choices, default=Grouping.GROUP_KEY)
    auto_resolve = models.BooleanField(
        default=True, help_text="Resolve the incident when every one of its alerts has resolved."
    )
    rate_limit = models.PositiveIntegerField(
        default=DEFAULT_RATE_LIMIT, help_text="Requests accepted per minute; more are answered 429."
    )

    def impact_urgency(self, severity: str) -> tuple[int, int]:
        mapping = {**DEFAULT_SEVERITY_MAP, **(self.severity_map or {})}
        impact, urgency = mapping.get((severity or "").lower(), mapping[FALLBACK_SEVERITY])
        return int(impact), int(urgency)


class InboundEvent(models.Model):
    """One request body as the sender posted it, stored before the answer; processed by a task, or
    by the sweep if the task never ran. Processing is idempotent (alert state is per fingerprint /
    dedup_key), so a sender's retry stored twice changes nothing the second time."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        DONE = "done", "Processed"
        FAILED = "failed", "Failed"

    integration = models.ForeignKey(Integration, on_delete=models.CASCADE, related_name="+")
    body = models.JSONField()
    received_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    # When a pending event should next be tried (a failed attempt backs off); null once done.
    due_at = models.DateTimeField(null=True, default=timezone.now)
    attempts = models.PositiveSmallIntegerField(default=0)
    processed_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["due_at"], condition=Q(status="pending"), name="alerts_inbound_due_idx"),
            models.Index(
                fields=["integration", "id"], condition=Q(status="pending"), name="alerts_inbound_pending_idx"
            ),
            models.Index(
                fields=["integration", "id"], condition=Q(status="failed"), name="alerts_inbound_failed_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.integration_id}#{self.pk} {self.status}"


class AlertGroup(models.Model):
    """Alerts that share an incident: an Alertmanager groupKey, a fingerprint, or an Events API
    dedup_key; `incident` is the group's latest incident (reopened or replaced when it fires again)."""

    integration = models.ForeignKey(Integration, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=1000)
    incident = models.ForeignKey(
        "incidents.Incident", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["integration", "key"], name="alerts_group_unique")]

    def __str__(self) -> str:
        return self.key


class Alert(models.Model):
    class Status(models.TextChoices):
        FIRING = "firing", "Firing"
        ACKNOWLEDGED = "acknowledged", "Acknowledged"
        RESOLVED = "resolved", "Resolved"

    integration = models.ForeignKey(Integration, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255, help_text="Alertmanager fingerprint or Events API dedup_key.")
    group = models.ForeignKey(AlertGroup, on_delete=models.CASCADE, related_name="alerts")
    incident = models.ForeignKey(
        "incidents.Incident", null=True, blank=True, on_delete=models.SET_NULL, related_name="alerts"
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.FIRING)
    summary = models.CharField(max_length=1024)
    severity = models.CharField(max_length=32, blank=True)
    source = models.CharField(max_length=255, blank=True)
    labels = models.JSONField(default=dict, blank=True)
    annotations = models.JSONField(default=dict, blank=True)
    links = models.JSONField(default=list, blank=True)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField(null=True, blank=True)
    first_received_at = models.DateTimeField(default=timezone.now)
    last_received_at = models.DateTimeField(default=timezone.now)
    received_count = models.PositiveIntegerField(default=1, help_text="Deliveries, repeats included.")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["integration", "key"], name="alerts_alert_unique")]
        indexes = [models.Index(fields=["incident", "id"], name="alerts_alert_incident_idx")]

    def __str__(self) -> str:
        return f"{self.summary} ({self.status})"

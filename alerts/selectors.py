"""Every non-trivial read of alert ingestion."""

from django.db.models import QuerySet

from .models import Alert, InboundEvent, Integration

INCIDENT_ALERTS_SHOWN = 100
BACKLOG_COUNT_CAP = 1000  # "1000+" is all a page needs to say


def integration_list() -> QuerySet[Integration]:
    return Integration.objects.select_related("service", "created_by").order_by("name", "id")


def incident_alerts(*, incident_id: int, limit: int = INCIDENT_ALERTS_SHOWN) -> list[Alert]:
    """An incident's alerts, firing ones first, then the most recently received; at most `limit`."""
    return list(
        Alert.objects.filter(incident_id=incident_id)
        .select_related("integration")
        .order_by("status", "-last_received_at", "-id")[:limit]
    )


def inbound_backlog(*, integration_id: int) -> dict:
    """The integration's events not yet processed, and those that failed (bounded reads)."""
    pending = InboundEvent.objects.filter(integration_id=integration_id, status=InboundEvent.Status.PENDING)
    failed = InboundEvent.objects.filter(integration_id=integration_id, status=InboundEvent.Status.FAILED)
    return {
        "pending": pending.values("id")[:BACKLOG_COUNT_CAP].count(),
        "failed": list(failed.order_by("-id").only("id", "received_at", "error")[:5]),
    }

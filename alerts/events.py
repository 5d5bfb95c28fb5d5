"""The events alert ingestion publishes (registered in core's registry from apps.py).

Every payload carries the alert as `alert` and the incident it belongs to (if any) as `incident`."""

from dataclasses import replace

from core.events import EventType, Field
from incidents.events import INCIDENT as INCIDENT_AFTER_CHANGE

ALERT = Field(
    "alert",
    "object",
    "The alert as it is after the change.",
    fields=(
        Field("id", "integer", "Database id."),
        Field("key", "string", "Alertmanager fingerprint or Events API dedup_key."),
        Field("status", "string", "firing, acknowledged or resolved."),
        Field("summary", "string", "The summary annotation, alertname or Events API summary."),
        Field("severity", "string", "The severity label (may be empty)."),
        Field("integration", "string", "Name of the integration it came through."),
        Field("labels", "object", "Its labels."),
    ),
)
# The same object as in the incident events, null when the alert has no incident.
INCIDENT = replace(
    INCIDENT_AFTER_CHANGE, description="The incident the alert belongs to (null: none).", nullable=True
)
FIELDS = (ALERT, INCIDENT)

RECEIVED = EventType(
    "alert.received", 1, "An alert started firing (new, or again after it resolved).", FIELDS
)
ACKNOWLEDGED = EventType("alert.acknowledged", 1, "An alert was acknowledged by its sender.", FIELDS)
RESOLVED = EventType("alert.resolved", 1, "An alert resolved.", FIELDS)

EVENT_TYPES = (RECEIVED, ACKNOWLEDGED, RESOLVED)
BY_STATUS = {"firing": RECEIVED, "acknowledged": ACKNOWLEDGED, "resolved": RESOLVED}

"""Suspected cause: an incident opened shortly after a change was implemented on what it touches.

The link is suggested automatically (changes.handlers on `incident.created`) and an agent confirms or
dismisses it (changes.suspects). A confirmed link counts against the change's success
(changes.success)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django_fsm import FSMField, transition


class SuspectReason(models.TextChoices):
    SAME_CI = "same_ci", "Same configuration item"
    DEPENDENT_CI = "dependent_ci", "Depends on a changed configuration item"
    SAME_SERVICE = "same_service", "Same service"


class SuspectStatus(models.TextChoices):
    SUGGESTED = "suggested", "Suggested"
    CONFIRMED = "confirmed", "Confirmed"
    DISMISSED = "dismissed", "Dismissed"


class SuspectedCause(models.Model):
    """`change` may have caused `incident`; `ci` is the changed CI the match went through (same or
    upstream CI), null for a match on the service alone."""

    change = models.ForeignKey("changes.Change", on_delete=models.CASCADE, related_name="suspected_incidents")
    incident = models.ForeignKey(
        "incidents.Incident", on_delete=models.CASCADE, related_name="suspected_changes"
    )
    reason = models.CharField(max_length=16, choices=SuspectReason.choices)
    ci = models.ForeignKey(
        "catalog.ConfigurationItem", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = FSMField(max_length=16, choices=SuspectStatus.choices, default=SuspectStatus.SUGGESTED)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["change", "incident"], name="suspect_change_incident_uniq"),
            models.CheckConstraint(
                condition=Q(status=SuspectStatus.SUGGESTED) | Q(decided_at__isnull=False),
                name="suspect_decided_has_time",
                violation_error_message="A confirmed or dismissed link records when it was decided.",
            ),
        ]
        indexes = [
            # "suspects of an incident" (the unique constraint serves "suspects of a change").
            models.Index(fields=["incident", "created_at", "id"], name="suspect_incident_idx"),
            # Success figures: the confirmed links of the changes implemented in a period.
            models.Index(
                fields=["change"], condition=Q(status=SuspectStatus.CONFIRMED), name="suspect_confirmed_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.change_id} → {self.incident_id} ({self.status})"

    def allowed_transitions(self) -> list[str]:
        return [t.name for t in self.get_available_status_transitions()]

    @transition(field=status, source=SuspectStatus.SUGGESTED, target=SuspectStatus.CONFIRMED)
    def confirm(self, *, at, by, note: str = ""):
        self.decided_at, self.decided_by, self.note = at, by, note

    @transition(field=status, source=SuspectStatus.SUGGESTED, target=SuspectStatus.DISMISSED)
    def dismiss(self, *, at, by, note: str = ""):
        self.decided_at, self.decided_by, self.note = at, by, note

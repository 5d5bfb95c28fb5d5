"""Shared building blocks: the immutable timeline every process writes to, and base models."""

from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone


class ImmutableRecord(Exception):
    """History is append-only: a timeline entry cannot be changed or deleted."""


class VersionedModel(models.Model):
    """A record with a version that every write increments, for optimistic concurrency (If-Match)."""

    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False, db_index=True)
    updated_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        abstract = True


class TimelineEntry(models.Model):
    """One immutable line of a record's history: creation, transition, field change or comment."""

    class Kind(models.TextChoices):
        CREATED = "created", "Created"
        TRANSITION = "transition", "Status changed"
        FIELD_CHANGE = "field_change", "Field changed"
        COMMENT = "comment", "Comment"
        SLA = "sla", "SLA"
        ESCALATION = "escalation", "Escalation"

    class Visibility(models.TextChoices):
        PUBLIC = "public", "Public update"
        INTERNAL = "internal", "Internal work note"

    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.PositiveBigIntegerField()
    subject = GenericForeignKey("content_type", "object_id")

    kind = models.CharField(max_length=32, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    from_state = models.CharField(max_length=32, blank=True)
    to_state = models.CharField(max_length=32, blank=True)
    field = models.CharField(max_length=64, blank=True)
    old_value = models.TextField(blank=True)
    new_value = models.TextField(blank=True)
    note = models.TextField(blank=True)
    visibility = models.CharField(max_length=16, choices=Visibility.choices, default=Visibility.PUBLIC)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["content_type", "object_id", "created_at"], name="timeline_subject_idx")
        ]
        verbose_name_plural = "timeline entries"

    def __str__(self) -> str:
        return f"{self.get_kind_display()} at {self.created_at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ImmutableRecord("Timeline entries cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableRecord("Timeline entries cannot be deleted.")


class Team(models.Model):
    """What OpsDesk knows about a group beyond Django's: its lead and where it escalates to."""

    group = models.OneToOneField(Group, on_delete=models.CASCADE, related_name="team")
    lead = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    escalation_group = models.ForeignKey(
        Group, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    def __str__(self) -> str:
        return f"Team {self.group}"


class NumberSequence(models.Model):
    """The last number handed out for one prefix (INC, CHG, PRB, REL); see core/numbering.py."""

    prefix = models.CharField(max_length=8, primary_key=True)
    last = models.PositiveBigIntegerField()

    def __str__(self) -> str:
        return f"{self.prefix}: {self.last}"

"""Shared building blocks: the immutable timeline every process writes to, base models, and the
domain event log with its handler runs."""

import django_fsm
import pgtrigger
from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
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


class ConcurrentTransitionMixin(django_fsm.ConcurrentTransitionMixin):
    """django-fsm's guard against two transitions from one state (the UPDATE filters on the state read),
    with the model's state fields found once per class: django-fsm looks them up among all fields for
    every instance it builds (33 checks per incident row of a list page)."""

    @property
    def state_fields(self):
        meta = self._meta
        found = _STATE_FIELDS.get(meta.label)
        if found is None:
            found = _STATE_FIELDS[meta.label] = tuple(super().state_fields)
        return found


_STATE_FIELDS: dict[str, tuple] = {}


class ConfigurationRecord(models.Model):
    """Configuration a manager keeps by name (an integration, a webhook subscription): switched on and
    off, who created it and when, when it last changed. Subclasses declare `name`."""

    active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        abstract = True
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


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
        # save()/delete() below refuse in Python; PostgreSQL refuses too, whatever writes (QuerySet.update(),
        # QuerySet.delete(), raw SQL). Installed by `migrate` like every pgtrigger trigger (settings:
        # PGTRIGGER_INSTALL_ON_MIGRATE). TRUNCATE (test flushes) is not a row operation and still works.
        triggers = [
            pgtrigger.Protect(name="timeline_entry_immutable", operation=pgtrigger.Update | pgtrigger.Delete)
        ]

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


class Event(models.Model):
    """One domain event, written in the transaction of the change it describes and dispatched to
    the subscribed handlers after commit (core/events). `payload` is the public part (webhooks);
    `audience`, `title`, `body` and `url` say whom to tell and how, and never leave OpsDesk."""

    key = models.CharField(
        max_length=200, unique=True, help_text="Idempotency key: publishing the same key again is a no-op."
    )
    type = models.CharField(max_length=100)
    version = models.PositiveSmallIntegerField(default=1)
    content_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    object_id = models.PositiveBigIntegerField(null=True, blank=True)
    subject = GenericForeignKey("content_type", "object_id")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    payload = models.JSONField(default=dict, encoder=DjangoJSONEncoder)
    occurred_at = models.DateTimeField(default=timezone.now, db_index=True)
    audience = models.JSONField(default=list, blank=True, help_text="Ids of the users to tell (internal).")
    title = models.CharField(max_length=200, blank=True)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=500, blank=True)
    dispatch_due_at = models.DateTimeField(
        null=True, blank=True, help_text="When handlers are due to run (again); empty once all finished."
    )

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(
                fields=["dispatch_due_at"], condition=Q(dispatch_due_at__isnull=False), name="event_due_idx"
            ),
            models.Index(fields=["type", "-id"], name="event_type_idx"),
            models.Index(fields=["content_type", "object_id"], name="event_subject_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.type} #{self.pk}"


class HandlerRun(models.Model):
    """What one handler did with one event: at most one row per pair (the dispatcher's record of
    "already ran"), written in the same transaction as the handler's own writes."""

    class Outcome(models.TextChoices):
        DONE = "done", "Done"
        RETRYING = "retrying", "Retrying"
        FAILED = "failed", "Failed permanently"

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="handler_runs")
    handler = models.CharField(max_length=200)
    outcome = models.CharField(max_length=16, choices=Outcome.choices)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["event", "handler"]
        constraints = [models.UniqueConstraint(fields=["event", "handler"], name="handler_run_once")]
        indexes = [models.Index(fields=["outcome", "-id"], name="handler_run_outcome_idx")]

    def __str__(self) -> str:
        return f"{self.handler} on event #{self.event_id}: {self.outcome}"


class NumberSequence(models.Model):
    """The last number handed out for one prefix (INC, CHG, PRB, REL); see core/numbering.py."""

    prefix = models.CharField(max_length=8, primary_key=True)
    last = models.PositiveBigIntegerField()

    def __str__(self) -> str:
        return f"{self.prefix}: {self.last}"


from .profiles import UserProfile  # noqa: E402, F401  (each user's time zone; core/profiles.py)

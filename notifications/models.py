"""In-app notifications, email and outgoing webhooks, delivered through an outbox.

Every email and webhook is first an `OutboxMessage` row written in the same transaction as its
cause; a worker delivers it after commit (nudge) or a beat sweep does (nudge lost). The row, not a
broker message, is the record: nothing depends on Redis keeping anything."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from core.models import ConfigurationRecord


class Notification(models.Model):
    """One in-app notification for one user (the bell); one per (recipient, event_key)."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    event_type = models.CharField(max_length=100)
    event_key = models.CharField(max_length=200, help_text="Identifies the event; dedupes per recipient.")
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=500, blank=True, help_text="Where the notification leads (a path).")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["recipient", "event_key"], name="notification_once_per_event")
        ]
        indexes = [
            models.Index(fields=["recipient", "-id"], name="notification_inbox_idx"),
            models.Index(
                fields=["recipient"], condition=Q(read_at__isnull=True), name="notification_unread_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} → {self.recipient_id}"

    @property
    def is_unread(self) -> bool:
        return self.read_at is None


class WebhookSubscription(ConfigurationRecord):
    """Where to POST which events; the secret signs every delivery (Standard Webhooks, see signing)."""

    name = models.CharField(max_length=100)
    url = models.CharField(max_length=500, help_text="http:// or https:// endpoint receiving JSON POSTs.")
    secret = models.CharField(
        max_length=300, help_text="Standard Webhooks signing secret, whsec_<base64 HMAC-SHA256 key>."
    )
    event_types = models.JSONField(default=list, help_text='Event types to receive, or ["*"] for all.')

    def wants(self, event_type: str) -> bool:
        return "*" in self.event_types or event_type in self.event_types


class OutboxMessage(models.Model):
    """One email or webhook to deliver, at least once, with retries and backoff.

    Delivery claims the row (attempts + 1, next_attempt_at = now + lease) in a short transaction,
    sends without holding any lock, then records the result. A worker that dies mid-send leaves a
    claim that expires; the sweep then tries again."""

    class Channel(models.TextChoices):
        EMAIL = "email", "Email"
        WEBHOOK = "webhook", "Webhook"

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENT = "sent", "Sent"
        DEAD = "dead", "Dead (gave up)"

    channel = models.CharField(max_length=16, choices=Channel.choices)
    dedupe_key = models.CharField(max_length=300, unique=True)
    payload = models.JSONField(default=dict)
    subscription = models.ForeignKey(
        WebhookSubscription, null=True, blank=True, on_delete=models.SET_NULL, related_name="messages"
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False, db_index=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [
            # The sweep's query: due pending rows. Partial, so sent/dead history does not bloat it.
            models.Index(fields=["next_attempt_at"], condition=Q(status="pending"), name="outbox_due_idx"),
            models.Index(fields=["status", "-id"], name="outbox_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.channel} #{self.pk} ({self.status})"


class DeliveryAttempt(models.Model):
    """The delivery log: one row per attempt to send an outbox message (never edited)."""

    message = models.ForeignKey(OutboxMessage, on_delete=models.CASCADE, related_name="delivery_attempts")
    attempt = models.PositiveIntegerField()
    attempted_at = models.DateTimeField(default=timezone.now)
    ok = models.BooleanField(default=False)
    status_code = models.PositiveIntegerField(null=True, blank=True, help_text="HTTP status (webhooks).")
    error = models.TextField(blank=True)
    duration_ms = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["message", "attempt", "id"]
        indexes = [models.Index(fields=["message", "attempt"], name="delivery_attempt_msg_idx")]

    def __str__(self) -> str:
        return f"#{self.message_id} attempt {self.attempt}: {'ok' if self.ok else 'failed'}"

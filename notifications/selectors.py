"""Reads of the notifications app."""

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet

from .models import Notification, OutboxMessage, WebhookSubscription

UNREAD_COUNT_CAP = 100  # the bell shows "99+": never count a huge backlog exactly


def notification_list(*, user: AbstractBaseUser, unread: bool | None = None) -> QuerySet[Notification]:
    """The user's own notifications, newest first."""
    notifications = Notification.objects.filter(recipient=user).order_by("-id")
    if unread is True:
        notifications = notifications.filter(read_at__isnull=True)
    elif unread is False:
        notifications = notifications.filter(read_at__isnull=False)
    return notifications


def notification_unread_count(*, user: AbstractBaseUser, cap: int = UNREAD_COUNT_CAP) -> int:
    """Unread notifications, counted up to `cap` (a LIMITed count on the partial index)."""
    return Notification.objects.filter(recipient=user, read_at__isnull=True)[:cap].count()


def notification_latest(*, user: AbstractBaseUser, limit: int = 10) -> list[Notification]:
    return list(notification_list(user=user)[:limit])


def webhook_subscription_list() -> QuerySet[WebhookSubscription]:
    return WebhookSubscription.objects.select_related("created_by").order_by("id")


def outbox_messages(*, status: str | None = None) -> QuerySet[OutboxMessage]:
    messages = OutboxMessage.objects.select_related("subscription")
    return messages.filter(status=status) if status else messages

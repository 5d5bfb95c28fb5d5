"""The per-user secret of the change calendar's iCalendar feed (a calendar app fetches the feed
without signing in, so the URL itself is the credential; resetting it invalidates the old URL)."""

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone


def new_feed_token() -> str:
    return secrets.token_urlsafe(32)


class CalendarFeedToken(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="change_feed"
    )
    token = models.CharField(max_length=64, unique=True, default=new_feed_token)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Change calendar feed of {self.user}"

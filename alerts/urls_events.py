"""`/events/v2/enqueue`: where PagerDuty's Events API v2 clients post (base URL `<opsdesk>/events`)."""

from django.urls import path

from .receivers import events_v2_enqueue

urlpatterns = [path("v2/enqueue", events_v2_enqueue, name="alerts-events-v2-enqueue")]

"""Helpers shared by the browser-UI view tests (incidents/tests/test_views*.py)."""

import re

from django.urls import reverse
from django.utils import timezone

from incidents.models import Incident, Level

QUEUE = reverse("incidents:queue")
NEW = reverse("incidents:new")
HTMX = {"HTTP_HX_REQUEST": "true"}


def detail_url(incident):
    return reverse("incidents:detail", args=[incident.pk])


def transition_url(incident, action):
    return reverse("incidents:transition", args=[incident.pk, action])


def escalate_url(incident):
    return reverse("incidents:escalate", args=[incident.pk])


def rows(response) -> list[str]:
    return re.findall(r'data-incident="(INC-\d+)"', response.content.decode())


def offered_actions(response) -> set[str]:
    return set(re.findall(r'data-action="(\w+)"', response.content.decode()))


def reload(incident) -> Incident:
    return Incident.objects.get(pk=incident.pk)


def file(incident_factory, service, reporter, *, impact=Level.MEDIUM, urgency=Level.MEDIUM, age=None, **kw):
    incident = incident_factory(service=service, reporter=reporter, impact=impact, urgency=urgency, **kw)
    if age is not None:
        Incident.objects.filter(pk=incident.pk).update(created_at=timezone.now() - age)
    return reload(incident)

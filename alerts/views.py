"""Browser UI: the integrations page (what to paste into Alertmanager or a monitoring tool) and the
partial listing an incident's alerts (hx-get from the incident page)."""

import json

from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_GET

from core.decorators import permission_required
from core.permissions import allowed

from . import permissions, selectors
from .models import DEFAULT_SEVERITY_MAP, Integration


@require_GET
@permission_required()
def integration_list(request):
    return render(
        request,
        "alerts/integration_list.html",
        {
            "integrations": selectors.integration_list(),
            "can_manage": allowed(request.user, permissions.MANAGE),
            "nav": "integrations",
        },
    )


def endpoint_urls(request, integration: Integration) -> dict:
    """The URL a sender posts to (absolute, as this request reached OpsDesk)."""
    if integration.kind == Integration.Kind.ALERTMANAGER:
        url = request.build_absolute_uri(reverse("alerts-alertmanager", args=[integration.key]))
        return {"url": url}
    enqueue = request.build_absolute_uri(reverse("alerts-events-v2-enqueue"))
    return {"url": enqueue, "base_url": enqueue.removesuffix("/v2/enqueue")}


def alertmanager_config(url: str, name: str) -> str:
    return (
        "# alertmanager.yml\n"
        "route:\n"
        f"  receiver: opsdesk-{_slug(name)}\n"
        "  group_by: [alertname]\n"
        "  group_wait: 30s\n"
        "  group_interval: 5m\n"
        "  repeat_interval: 4h\n"
        "receivers:\n"
        f"  - name: opsdesk-{_slug(name)}\n"
        "    webhook_configs:\n"
        f"      - url: {url}\n"
        "        send_resolved: true\n"
        "        max_alerts: 0\n"
    )


def events_v2_example(base_url: str, key: str) -> str:
    return (
        "# pip install pagerduty\n"
        "import pagerduty\n\n"
        f'client = pagerduty.EventsApiV2Client("{key}", base_url="{base_url}")\n'
        'dedup_key = client.trigger("Disk full on db-1", "db-1", severity="critical")\n'
        "client.acknowledge(dedup_key)\n"
        "client.resolve(dedup_key)\n"
    )


def _slug(name: str) -> str:
    return "".join(ch if ch.isalnum() else "-" for ch in name.lower()).strip("-") or "integration"


@require_GET
@permission_required(permissions.MANAGE)
def integration_detail(request, pk: int):
    integration = get_object_or_404(selectors.integration_list(), pk=pk)
    urls = endpoint_urls(request, integration)
    if integration.kind == Integration.Kind.ALERTMANAGER:
        example = alertmanager_config(urls["url"], integration.name)
    else:
        example = events_v2_example(urls["base_url"], integration.key)
    severity_map = {**DEFAULT_SEVERITY_MAP, **integration.severity_map}
    return render(
        request,
        "alerts/integration_detail.html",
        {
            "integration": integration,
            "urls": urls,
            "example": example,
            "severity_rows": sorted(severity_map.items(), key=lambda item: (item[1], item[0])),
            "severity_json": json.dumps(integration.severity_map),
            "backlog": selectors.inbound_backlog(integration_id=integration.pk),
            "nav": "integrations",
        },
    )


@require_GET
@permission_required()
def incident_alerts(request, incident_id: int):
    """The partial: an incident's alerts with status and labels (hx-get from its detail page)."""
    return render(
        request,
        "alerts/incident_alerts.html",
        {
            "alerts": selectors.incident_alerts(incident_id=incident_id),
            "limit": selectors.INCIDENT_ALERTS_SHOWN,
            "incident_id": incident_id,
        },
    )

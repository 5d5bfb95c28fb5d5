"""The managers' SLA dashboard in the browser and as a CSV download. Thin: the form parses the
filters, `reports.metrics.sla_metrics` computes (the page's figures through a short cache,
reports.figures_cache), a template or `reports.export` renders (the CSV
as a stream)."""

from urllib.parse import urlencode

from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from core.decorators import permission_required

from .breakdowns import ASSIGNEE, TEAM
from .export import sla_csv_chunks
from .figures_cache import dashboard_figures, viewer_scope
from .forms import SlaFilterForm
from .links import breakdown_links, dashboard_links
from .metrics import sla_metrics
from .presets import period_presets


def _filters(request, today) -> SlaFilterForm:
    return SlaFilterForm(request.GET, today=today)


@require_GET
@permission_required()
def sla_dashboard(request):
    today = timezone.localdate()
    form = _filters(request, today)
    valid = form.is_valid()
    data = form.cleaned_data if valid else {}
    service = data.get("service")
    presets = period_presets(
        today=today,
        base=reverse("reports:sla"),
        shown=(data["from"], data["to"]) if valid else None,
        service_id=service.pk if service else None,
    )
    context = {"form": form, "nav": "sla", "presets": presets}
    if not valid:
        return render(request, "reports/sla_dashboard.html", context, status=400)
    figures = dashboard_figures(scope=viewer_scope(request.user), **form.metrics_kwargs())
    metrics, breakdowns = figures.metrics, figures.breakdowns
    query = urlencode(form.query())
    context.update(
        metrics=metrics,
        charts=figures.charts,
        query=query,
        links=dashboard_links(metrics),
        by_team=breakdown_links(metrics, breakdowns[TEAM]),
        by_assignee=breakdown_links(metrics, breakdowns[ASSIGNEE]),
        breakdowns=breakdowns,
    )
    return render(request, "reports/sla_dashboard.html", context)


@require_GET
@permission_required()
def sla_export_csv(request):
    form = _filters(request, timezone.localdate())
    if not form.is_valid():
        lines = [f"{field}: {' '.join(messages)}" for field, messages in form.error_lists().items()]
        return HttpResponse("\n".join(lines) + "\n", status=400, content_type="text/plain; charset=utf-8")
    metrics = sla_metrics(**form.metrics_kwargs())
    service = f"-{metrics.service.slug}" if metrics.service else ""
    filename = f"sla-{metrics.first_day:%Y-%m-%d}_{metrics.last_day:%Y-%m-%d}{service}.csv"
    site = request.build_absolute_uri("/").removesuffix("/")  # once, not per row
    response = StreamingHttpResponse(
        sla_csv_chunks(metrics, absolute_url=lambda path: site + path), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response

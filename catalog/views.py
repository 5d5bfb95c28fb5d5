"""Browser page of one configuration item: its service, dependencies, dependents and impact."""

from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from core.decorators import permission_required

from . import graph, selectors
from .models import ConfigurationItem

IMPACT_ROWS = 200  # the page lists the nearest affected CIs; the API's ?limit= reaches up to 5,000


@require_GET
@permission_required()
def ci_detail(request, pk: int):
    try:
        ci = selectors.ci_detail(pk)
    except ConfigurationItem.DoesNotExist as exc:
        raise Http404("No such configuration item.") from exc
    impact = graph.ci_impact([ci.pk])
    kinds = dict(ConfigurationItem.Kind.choices)
    context = {
        "ci": ci,
        "depends_on": ci.depends_on.all(),
        "dependents": ci.dependents.all(),
        "impact": impact,
        "affected": [
            {
                "id": c.id,
                "name": c.name,
                "kind": kinds.get(c.kind, c.kind),
                "depth": c.depth,
                "via": c.via,
                "via_name": impact.by_id[c.via].name,
            }
            for c in impact.cis[:IMPACT_ROWS]
        ],
        "deepest": impact.cis[-1].depth if impact.cis else 0,
        "more": max(len(impact.cis) - IMPACT_ROWS, 0),
    }
    return render(request, "catalog/ci_detail.html", context)

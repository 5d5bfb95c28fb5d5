"""core.api.filters.FilterBackend (the incident API's filter backend): only the filters a request names are built, with the same outcome."""

import pytest
import time_machine
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from core.api.filters import FilterBackend
from incidents.api.views import IncidentViewSet
from incidents.filters import IncidentFilter
from incidents.models import Incident

pytestmark = pytest.mark.django_db


def filterset_for(query: dict):
    request = Request(APIRequestFactory().get("/", query))
    view = IncidentViewSet(action="list", request=request, format_kwarg=None)
    return FilterBackend().get_filterset(request, Incident.objects.all(), view), request, view


def test_only_the_named_filters_are_built_and_the_class_keeps_them_all():
    filterset, _, _ = filterset_for({"priority": "1", "status": "new", "page_size": "5"})
    assert set(filterset.filters) == set(filterset.form.fields) == {"priority", "status"}
    assert len(IncidentFilter.base_filters) > 10 and len(IncidentFilter().filters) == len(
        IncidentFilter.base_filters
    )


@pytest.mark.parametrize(
    "query", [{}, {"priority": "1"}, {"status": ["new", "closed"], "is_open": "false"}, {"sla": "breached"}]
)
@time_machine.travel("2026-03-02 10:00Z", tick=False)  # `sla` filters compare with now
def test_the_filtered_queryset_is_django_filters(query):
    filterset, request, view = filterset_for(query)
    full = IncidentFilter(request.query_params, Incident.objects.all(), request=request)
    mine = FilterBackend().filter_queryset(request, Incident.objects.all(), view)
    assert str(mine.query) == str(full.qs.query) or (
        not query and str(mine.query) == str(Incident.objects.all().query)
    )


def test_a_bad_value_is_still_refused():
    from rest_framework.exceptions import ValidationError

    _, request, view = filterset_for({"priority": "9"})
    with pytest.raises(ValidationError) as error:
        FilterBackend().filter_queryset(request, Incident.objects.all(), view)
    assert "priority" in error.value.detail

"""One filter set for the API list and the browser queue, so both understand the same parameters."""

from functools import cached_property

import django_filters
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from catalog.models import Service
from core import roles
from core.api.dates import IsoDateTimeFilter
from core.filtersets import FilterSet
from sla import states
from sla.selectors import with_sla_clock

from . import search
from .filter_chips import Chip, active_filter_chips
from .models import OPEN_STATUSES, Incident, Priority, Status


def _reads_internal_notes(user) -> bool:
    return user is not None and user.is_authenticated and roles.can_read_internal_notes(user)


class IncidentFilter(FilterSet):
    # distinct=False: a plain column never repeats a row, and SELECT DISTINCT would stop PostgreSQL
    # from walking an index in the list's order (a full scan and sort at a million rows).
    status = django_filters.MultipleChoiceFilter(choices=Status.choices, distinct=False)
    priority = django_filters.MultipleChoiceFilter(choices=Priority.choices, distinct=False)
    service = django_filters.ModelChoiceFilter(queryset=Service.objects.all())
    assignee = django_filters.ModelChoiceFilter(queryset=get_user_model().objects.all())
    assignment_group = django_filters.ModelChoiceFilter(queryset=Group.objects.all())
    is_open = django_filters.BooleanFilter(
        method="filter_is_open", label="Open (not resolved, closed or cancelled)"
    )
    unassigned = django_filters.BooleanFilter(field_name="assignee", lookup_expr="isnull", label="Unassigned")
    no_group = django_filters.BooleanFilter(
        field_name="assignment_group", lookup_expr="isnull", label="No assignment group"
    )
    mine = django_filters.BooleanFilter(method="filter_mine", label="Assigned to me")
    created_after = IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")
    search = django_filters.CharFilter(
        method="filter_search",
        label="Search",
        help_text=(
            "Full-text search over number, title, description, comments, service and configuration item "
            "names: every word must match (prefixes and word forms count: `payment` finds Payments; host "
            "names such as `pay-db-1` are kept whole), with a fallback that forgives typos in number, "
            "title, service and CI names. `42` or `INC-000042` finds that incident first. Without "
            "`ordering`, results come most relevant first."
        ),
    )
    q = django_filters.CharFilter(method="filter_search", label="Search", help_text="The same as `search`.")
    sla = django_filters.ChoiceFilter(
        choices=[("breached", "SLA breached"), ("at_risk", "SLA at risk")], method="filter_sla", label="SLA"
    )

    class Meta:
        model = Incident
        fields = ["status", "priority", "service", "assignee", "assignment_group", "source"]

    @cached_property
    def chips(self) -> list[Chip]:
        """The filters this list applies, as removable chips (incidents.filter_chips)."""
        return active_filter_chips(self)

    @property
    def set_count(self) -> int:
        """How many filters are set beyond the default "open only" (a search has its own box)."""
        return len(self.chips)

    def filter_is_open(self, queryset, name, value):
        return (
            queryset.filter(status__in=OPEN_STATUSES) if value else queryset.exclude(status__in=OPEN_STATUSES)
        )

    def filter_mine(self, queryset, name, value):
        user = getattr(self.request, "user", None)
        if not value or user is None or not user.is_authenticated:
            return queryset
        return queryset.filter(assignee=user)

    def filter_search(self, queryset, name, value):
        """Matching incidents, annotated with their relevance (incidents.search). Internal work notes
        are searched only for those who may read them."""
        user = getattr(self.request, "user", None)
        return search.search(queryset, value, include_internal=_reads_internal_notes(user))

    def filter_sla(self, queryset, name, value):
        """Incidents with a clock in that state (the one definition: sla.states). Breached ones are
        read from the incident's own column (`sla_breached_from`, equal to asking each clock)."""
        now = timezone.now()
        if value == "breached":
            return queryset.filter(sla_breached_from__lte=now)
        return with_sla_clock(queryset, states.at_risk_q(now))

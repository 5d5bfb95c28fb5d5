"""Template tags for the change detail page's scheduling partials, so the page's view needs nothing:

{% load change_scheduling %}
{% change_conflicts_of change as report %}   {# conflicts and freeze windows of its window #}
{% change_impact_of change as impact %}      {# CIs and services affected through the CMDB #}
"""

from dataclasses import dataclass

from django import template

from changes.cmdb import ChangeImpact, change_impact
from changes.models import ACTIVE_STATUSES, FreezeWindow
from changes.scheduling import Conflict, change_conflicts, change_freeze_windows

register = template.Library()


@dataclass(frozen=True)
class ConflictReport:
    conflicts: list[Conflict]
    freeze_windows: list[FreezeWindow]
    has_window: bool
    finished: bool = False

    @property
    def unacknowledged(self) -> list[Conflict]:
        return [c for c in self.conflicts if c.acknowledgement is None]


@register.simple_tag
def change_conflicts_of(change) -> ConflictReport:
    """Conflicts matter while the change is active: a finished or cancelled one shows none."""
    has_window = bool(change.planned_start and change.planned_end)
    if not has_window:
        return ConflictReport([], [], False)
    if change.status not in ACTIVE_STATUSES:
        return ConflictReport([], [], True, finished=True)
    return ConflictReport(change_conflicts(change), change_freeze_windows(change), True)


@register.simple_tag
def change_impact_of(change) -> ChangeImpact:
    return change_impact(change)

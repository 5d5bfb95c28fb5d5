"""The schedule panel of the change detail page: the form (window, freeze override reason for an
emergency change, note) and the conflicts of the window it proposes, each unacknowledged one with a
note field that acknowledges it. Built here for the detail page and for the schedule view, which
shows the service's refusals (a freeze window, a conflict, a stale version) in place."""

from dataclasses import dataclass, field
from datetime import datetime

from django import forms

from core.permissions import allowed

from .. import permissions
from ..forms import DateTimeLocalInput
from ..models import Change, ChangeType, ConflictKind, Status
from ..scheduling import SCHEDULABLE, Conflict, change_conflicts

ACK_PREFIX = "ack-"  # an acknowledgement's note field: ack-<other change id>-<kind>


def ack_field(conflict: Conflict) -> str:
    return f"{ACK_PREFIX}{conflict.change_id}-{conflict.kind}"


class ScheduleForm(forms.Form):
    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    planned_start = forms.DateTimeField(label="Window start", widget=DateTimeLocalInput())
    planned_end = forms.DateTimeField(
        label="Window end", widget=DateTimeLocalInput(), help_text="The change is done by then."
    )
    override_reason = forms.CharField(
        required=False,
        label="Freeze override reason",
        help_text="Only if the window overlaps a freeze window: why this emergency change cannot wait.",
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    note = forms.CharField(required=False, label="Note (optional)", widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, change: Change, **kwargs):
        kwargs.setdefault("auto_id", "schedule_%s")
        kwargs.setdefault(
            "initial",
            {"version": change.version, "planned_start": _minutes(change.planned_start),
             "planned_end": _minutes(change.planned_end)},
        )  # fmt: skip
        super().__init__(*args, **kwargs)
        if change.type != ChangeType.EMERGENCY:
            del self.fields["override_reason"]

    def clean(self):
        data = super().clean()
        start, end = data.get("planned_start"), data.get("planned_end")
        if start and end and end <= start:
            self.add_error("planned_end", "The window must end after it starts.")
        return data

    def window(self) -> tuple[datetime, datetime] | None:
        """The window the form proposes, once it is valid."""
        if not self.is_bound or self.errors:
            return None
        return self.cleaned_data["planned_start"], self.cleaned_data["planned_end"]


def _minutes(at: datetime | None) -> datetime | None:
    return at.replace(second=0, microsecond=0) if at else None


def acknowledgements(data) -> list[dict]:
    """The conflicts acknowledged in the posted form: every ack-<id>-<kind> field with a note."""
    acks = []
    for name, value in data.items():
        if not name.startswith(ACK_PREFIX) or not value.strip():
            continue
        other, _, kind = name[len(ACK_PREFIX) :].partition("-")
        if other.isdigit() and kind in ConflictKind.values:
            acks.append({"change": int(other), "kind": kind, "note": value.strip()})
    return acks


@dataclass
class ConflictRow:
    conflict: Conflict
    field: str
    note: str = ""


@dataclass
class SchedulePanel:
    form: ScheduleForm
    conflicts: list[ConflictRow] = field(default_factory=list)
    error: str = ""
    open: bool = False
    rescheduling: bool = False

    @property
    def label(self) -> str:
        return "Reschedule" if self.rescheduling else "Schedule"


def schedule_panel(change: Change, user, *, data=None, error: str = "") -> SchedulePanel | None:
    """The panel for `change` as `user` sees it (None when it cannot be scheduled now, or not by them);
    `data` is a posted form to show again, with `error` from the service."""
    if change.status not in SCHEDULABLE or not allowed(user, permissions.SCHEDULE):
        return None
    form = ScheduleForm(data, change=change)
    window = form.window() if data is not None else None
    notes = data or {}
    rows = [
        ConflictRow(conflict, ack_field(conflict), (notes.get(ack_field(conflict)) or "").strip())
        for conflict in change_conflicts(change, window=window)
    ]
    return SchedulePanel(
        form=form,
        conflicts=rows,
        error=error,
        open=data is not None,
        rescheduling=change.status == Status.SCHEDULED,
    )

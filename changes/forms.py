"""Forms of the change pages. They parse what the browser sends; every rule (who may, which transition,
what a submit or a review needs) stays in the services."""

from datetime import datetime

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db.models import Q

from catalog.models import ConfigurationItem, Service
from core import roles
from core.priority import Priority
from core.teams import assignable_groups

from . import services
from .models import Change, ChangeTemplate, ChangeType, Outcome, RollbackComplexity, Testing

WORKER_ROLES = (roles.AGENT, roles.MANAGER, roles.CHANGE_MANAGER)


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        full_name = obj.get_full_name()
        return f"{full_name} ({obj.get_username()})" if full_name else obj.get_username()


def workers():
    """Active users who may implement changes and work their tasks."""
    allowed = Q(is_superuser=True) | Q(groups__name__in=WORKER_ROLES)
    return get_user_model().objects.filter(allowed, is_active=True).distinct().order_by("username")


def teams():
    """Teams, not the role groups that grant permissions."""
    return assignable_groups()


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


def _text(rows: int, **attrs) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows, **attrs})


class ChangeForm(forms.Form):
    """The change request: what, why, the three plans, when, what it touches, who, and the risk
    questionnaire (the CMDB supplies criticality and breadth on submit)."""

    title = forms.CharField(max_length=200, required=False)
    type = forms.ChoiceField(choices=ChangeType.choices, initial=ChangeType.NORMAL)
    description = forms.CharField(required=False, widget=_text(4))
    justification = forms.CharField(required=False, widget=_text(3), help_text="Why the change is needed.")
    implementation_plan = forms.CharField(required=False, widget=_text(5))
    rollback_plan = forms.CharField(required=False, widget=_text(4))
    test_plan = forms.CharField(required=False, widget=_text(3))
    priority = forms.TypedChoiceField(choices=Priority.choices, coerce=int, initial=Priority.P3)
    planned_start = forms.DateTimeField(required=False, widget=DateTimeLocalInput())
    planned_end = forms.DateTimeField(required=False, widget=DateTimeLocalInput())
    services = forms.ModelMultipleChoiceField(queryset=Service.objects.order_by("name"), required=False)
    cis = forms.ModelMultipleChoiceField(
        queryset=ConfigurationItem.objects.order_by("name"), required=False, label="Configuration items"
    )
    implementer = UserChoiceField(
        queryset=get_user_model().objects.none(), required=False, empty_label="Nobody yet"
    )
    assignment_group = forms.ModelChoiceField(
        queryset=Group.objects.none(), required=False, empty_label="No group"
    )
    outage_required = forms.BooleanField(required=False, label="The change requires an outage")
    rollback_complexity = forms.ChoiceField(
        choices=RollbackComplexity.choices,
        initial=RollbackComplexity.SIMPLE,
        label="How hard is the rollback?",
    )
    testing = forms.ChoiceField(choices=Testing.choices, initial=Testing.FULL, label="How was it tested?")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["implementer"].queryset = workers()
        self.fields["assignment_group"].queryset = teams()

    def clean(self):
        data = super().clean()
        for name, value in list(data.items()):
            if isinstance(value, str):
                data[name] = value.replace("\r\n", "\n")
        return data

    def values(self) -> dict:
        return {
            name: self.cleaned_data[name] for name in services.EDITABLE_FIELDS if name in self.cleaned_data
        }


class ChangeCreateForm(ChangeForm):
    template = forms.ModelChoiceField(
        queryset=ChangeTemplate.objects.filter(active=True),
        required=False,
        widget=forms.HiddenInput,
    )


class ChangeEditForm(ChangeForm):
    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)

    def __init__(self, *args, change: Change, **kwargs):
        initial = {name: getattr(change, name) for name in services.SCALAR_FIELDS + ("type",)}
        initial["services"] = list(change.services.all())
        initial["cis"] = list(change.cis.all())
        kwargs.setdefault("initial", {**initial, "version": change.version})
        self.change = change
        super().__init__(*args, **kwargs)

    def changes(self) -> dict:
        """Only the fields whose value differs from the record's."""
        values, changed = self.values(), {}
        for name, value in values.items():
            current = getattr(self.change, name)
            if name in services.MANY_FIELDS:
                if {item.pk for item in value} != {item.pk for item in current.all()}:
                    changed[name] = value
            elif isinstance(value, datetime) and isinstance(current, datetime):
                if value != current.replace(second=0, microsecond=0):  # the input shows minutes
                    changed[name] = value
            elif value != current and not (value in ("", None) and current in ("", None)):
                changed[name] = value
        return changed


class VersionForm(forms.Form):
    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)


class NoteForm(VersionForm):
    note = forms.CharField(required=False, label="Note (optional)", widget=_text(2))


class NoteRequiredForm(VersionForm):
    note = forms.CharField(label="Reason", widget=_text(3, required=True))


class CompleteForm(VersionForm):
    outcome = forms.ChoiceField(choices=[("", "Choose the outcome…"), *Outcome.choices], required=False)
    notes = forms.CharField(required=False, label="How did it go?", widget=_text(3))


class ReviewForm(VersionForm):
    notes = forms.CharField(
        required=False,
        label="What happened",
        help_text="Including any incidents the change caused (their numbers).",
        widget=_text(4, required=True),
    )
    lessons = forms.CharField(required=False, label="Lessons learned", widget=_text(3))
    outcome = forms.ChoiceField(
        choices=[("", "Keep the recorded outcome"), *Outcome.choices], required=False, label="Outcome"
    )


# The form of each transition the pages offer (approve, reject and schedule have their own pages).
TRANSITION_FORMS = {
    "submit": NoteForm,
    "assess": NoteRequiredForm,
    "start": NoteForm,
    "complete": CompleteForm,
    "review": ReviewForm,
    "close": NoteForm,
    "cancel": NoteRequiredForm,
    "revise": NoteForm,
}


def transition_form(action: str, data=None) -> forms.Form:
    return TRANSITION_FORMS[action](data, auto_id=f"{action}_%s")


class TaskForm(forms.Form):
    title = forms.CharField(max_length=200)
    instructions = forms.CharField(required=False, widget=_text(2))
    assignee = UserChoiceField(queryset=get_user_model().objects.none(), required=False, empty_label="Nobody")
    assignment_group = forms.ModelChoiceField(
        queryset=Group.objects.none(), required=False, empty_label="No group"
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "task_%s")
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = workers()
        self.fields["assignment_group"].queryset = teams()


class TaskStepForm(forms.Form):
    note = forms.CharField(required=False, widget=_text(2))

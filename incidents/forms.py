"""Forms of the incident pages. They parse and validate what the browser sends; every business rule
(who may, which transition, what a resolution needs) stays in services.py."""

import json

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.urls import reverse

from catalog.models import ConfigurationItem, Service
from core.forms import UserChoiceField, active_users_with_roles, teams
from core.models import TimelineEntry
from core.user_picker import UserPickField

from .models import HoldReason, Incident, Level, ResolutionCode
from .permissions import WORKER_ROLES
from .services import EDITABLE_FIELDS, NOTE_REQUIRED


def assignable_users():
    """Active users the services accept as assignee: agents, managers and superusers."""
    return active_users_with_roles(WORKER_ROLES)


def active_users():
    """Whom an incident may affect (its caller) or be watched by: any active account."""
    return get_user_model().objects.filter(is_active=True).order_by("username")


# One format for typed date-times (ISO, minutes); the browser's datetime-local input sends the "T" form.
DATETIME_INPUT_FORMATS = ["%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"]


class IncidentFieldsForm(forms.Form):
    """The fields a person fills in when filing an incident and may edit later."""

    title = forms.CharField(max_length=200)
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 5}))
    service = forms.ModelChoiceField(queryset=Service.objects.all(), empty_label="Choose a service…")
    ci = forms.ModelChoiceField(
        queryset=ConfigurationItem.objects.none(),
        required=False,
        label="Configuration item (optional)",
        empty_label="None",
    )
    impact = forms.TypedChoiceField(choices=Level.choices, coerce=int, initial=Level.LOW)
    urgency = forms.TypedChoiceField(choices=Level.choices, coerce=int, initial=Level.LOW)
    assignment_group = forms.ModelChoiceField(
        queryset=Group.objects.none(), required=False, empty_label="No group"
    )
    assignee = UserChoiceField(
        queryset=get_user_model().objects.none(), required=False, empty_label="Unassigned"
    )
    caller = UserPickField(
        queryset=get_user_model().objects.none(),
        required=False,
        label="Affected user (caller)",
        help_text="Who is affected (type a few letters of their name); they hear of public updates.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignment_group"].queryset = teams()
        self.fields["assignee"].queryset = assignable_users()
        self.fields["caller"].queryset = active_users()
        service_id = self._selected_service_id()
        if service_id is None:
            self.fields["ci"].empty_label = "Choose a service first"
        else:
            self.fields["ci"].queryset = ConfigurationItem.objects.filter(service_id=service_id).order_by(
                "name"
            )
        # Choosing a service reloads the CI list with that service's items only.
        self.fields["service"].widget.attrs.update(
            {
                "hx-get": reverse("incidents:ci_options"),
                "hx-target": f"#{self.ci_wrapper_id}",
                "hx-swap": "outerHTML",
                "hx-vals": json.dumps({"prefix": self.id_prefix}),
            }
        )

    @property
    def id_prefix(self) -> str:
        return str(self.auto_id).removesuffix("_%s") if self.auto_id else "id"

    @property
    def ci_wrapper_id(self) -> str:
        return f"{self.id_prefix}-ci-wrap"

    def _selected_service_id(self) -> int | None:
        value = self.data.get(self.add_prefix("service")) if self.is_bound else self.initial.get("service")
        value = getattr(value, "pk", value)
        try:
            return int(value)
        except (TypeError, ValueError):
            return None

    def clean_description(self) -> str:
        return self.cleaned_data["description"].replace("\r\n", "\n")


class IncidentCreateForm(IncidentFieldsForm):
    pass


class IncidentEditForm(IncidentFieldsForm):
    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)

    def __init__(self, *args, incident: Incident, **kwargs):
        kwargs.setdefault("auto_id", "edit_%s")
        kwargs.setdefault("initial", {name: getattr(incident, name) for name in EDITABLE_FIELDS})
        self.incident = incident
        super().__init__(*args, **kwargs)

    def changes(self) -> dict:
        """Only the fields whose value differs from the record's."""
        return {
            name: self.cleaned_data[name]
            for name in EDITABLE_FIELDS
            if self.cleaned_data[name] != getattr(self.incident, name)
        }


class VersionForm(forms.Form):
    """The version of the record the page showed, so a stale page cannot overwrite newer work."""

    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)


class TransitionForm(VersionForm):
    note = forms.CharField(required=False, label="Note (optional)", widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, action: str, **kwargs):
        kwargs.setdefault("auto_id", f"{action}_%s")
        super().__init__(*args, **kwargs)
        self.action = action
        if action in NOTE_REQUIRED:
            note = self.fields["note"]
            note.label = "Reason"
            note.help_text = NOTE_REQUIRED[action]
            note.widget.attrs["required"] = True


class ResolveForm(TransitionForm):
    resolution_code = forms.ChoiceField(
        choices=[("", "Choose a resolution code…"), *ResolutionCode.choices],
        required=False,
        widget=forms.Select(attrs={"required": True}),
    )
    resolution_notes = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 3, "required": True})
    )
    field_order = ["resolution_code", "resolution_notes", "note"]


class HoldForm(TransitionForm):
    hold_reason = forms.ChoiceField(
        label="Waiting for",
        choices=[("", "Choose a reason…"), *HoldReason.choices],
        required=False,  # the service says what is missing, as the API does
        widget=forms.Select(attrs={"required": True}),
    )
    resume_at = forms.DateTimeField(
        label="Resume by (optional)",
        required=False,
        input_formats=DATETIME_INPUT_FORMATS,
        help_text="YYYY-MM-DD HH:MM. Work resumes by itself at this time.",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        error_messages={"invalid": "Enter a date and time as YYYY-MM-DD HH:MM."},
    )
    field_order = ["hold_reason", "note", "resume_at"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["note"].label = "Note"
        self.fields["note"].help_text = "Required for “Other”: say what it waits for."


TRANSITION_FORMS = {"resolve": ResolveForm, "hold": HoldForm}


def transition_form(action: str, data=None) -> TransitionForm:
    return TRANSITION_FORMS.get(action, TransitionForm)(data, action=action)


class WatchForm(forms.Form):
    """Add or remove a watcher: `user` (someone else) or, left out, the person asking."""

    user = UserPickField(queryset=get_user_model().objects.none(), required=False, label="Add a watcher")
    watching = forms.TypedChoiceField(
        choices=[("1", "watch"), ("0", "stop")], coerce=lambda value: value == "1", widget=forms.HiddenInput
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "watch_%s")
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = active_users()


class CommentForm(forms.Form):
    body = forms.CharField(
        label="Comment", required=False, widget=forms.Textarea(attrs={"rows": 3, "required": True})
    )
    visibility = forms.ChoiceField(
        choices=TimelineEntry.Visibility.choices,
        initial=TimelineEntry.Visibility.PUBLIC,
        widget=forms.RadioSelect,
        label="Visible to",
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "comment_%s")
        super().__init__(*args, **kwargs)


class PriorityPreviewForm(forms.Form):
    impact = forms.TypedChoiceField(choices=Level.choices, coerce=int)
    urgency = forms.TypedChoiceField(choices=Level.choices, coerce=int)


class EscalateForm(forms.Form):
    """Manual escalation: the level the page showed (so a stale page cannot fire one level too many)."""

    level = forms.IntegerField(min_value=0, widget=forms.HiddenInput)
    note = forms.CharField(
        required=False,
        max_length=2000,
        label="Note (optional)",
        help_text="Why escalate now? It is added to the timeline.",
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "escalate_%s")
        super().__init__(*args, **kwargs)

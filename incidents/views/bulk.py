"""The queue's bulk-action bar: one action on the selected rows (incidents.bulk), each row through
the services; the queue then says what was done and what was refused, by number and why."""

from django import forms
from django.contrib import messages
from django.http import QueryDict
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from core.decorators import permission_required
from core.errors import InvalidInput
from core.models import TimelineEntry
from core.teams import assignable_groups
from core.validation import add_form_errors

from ..bulk import ACTIONS, MAX_ROWS, incident_bulk_apply, parse_rows
from ..forms import assignable_users
from ..saved_views import view_query
from .queue import VIEW_KEYS, render_queue

NEEDS = {
    "assign_person": ("assignee", "Choose the person to assign them to."),
    "assign_group": ("group", "Choose the group to assign them to."),
    "comment": ("body", "Write the comment to add."),
}


class RowsField(forms.Field):
    """The selected rows' checkboxes ("id:version" each)."""

    widget = forms.MultipleHiddenInput
    default_error_messages = {"required": "Select at least one incident."}

    def to_python(self, value):
        if not value:
            return []
        try:
            return parse_rows(list(value))
        except InvalidInput as exc:
            raise forms.ValidationError(exc.fields["rows"]) from exc

    def validate(self, value):
        super().validate(value)
        if len({pk for pk, _ in value}) > MAX_ROWS:
            raise forms.ValidationError(f"Select at most {MAX_ROWS} incidents at a time.")


class BulkActionForm(forms.Form):
    action = forms.ChoiceField(choices=[(name, label) for name, (label, _) in ACTIONS.items()])
    rows = RowsField()
    assignee = forms.ModelChoiceField(queryset=assignable_users(), required=False)
    group = forms.ModelChoiceField(queryset=assignable_groups(), required=False)
    body = forms.CharField(required=False, max_length=10_000)
    visibility = forms.ChoiceField(
        choices=TimelineEntry.Visibility.choices, initial=TimelineEntry.Visibility.PUBLIC, required=False
    )
    next = forms.CharField(required=False, max_length=4000)  # the queue's querystring, to return to

    def clean(self):
        data = super().clean()
        name, message = NEEDS.get(data.get("action"), (None, ""))
        if name and not data.get(name):
            self.add_error(name, message)
        return data


@require_POST
@permission_required()
def bulk(request):
    form = BulkActionForm(request.POST)
    back = QueryDict(view_query(QueryDict(request.POST.get("next", "")), keys=VIEW_KEYS | {"page"}))
    if not form.is_valid():
        return render_queue(request, back, status=400, bulk_form=form)
    data = form.cleaned_data
    try:
        outcome = incident_bulk_apply(
            actor=request.user,
            action=data["action"],
            rows=data["rows"],
            assignee=data["assignee"],
            group=data["group"],
            body=data["body"],
            visibility=data["visibility"] or TimelineEntry.Visibility.PUBLIC,
        )
    except InvalidInput as exc:
        add_form_errors(form, exc)
        return render_queue(request, back, status=400, bulk_form=form)
    past = ACTIONS[outcome.action][1]
    if outcome.done:
        target = data["assignee"] if outcome.action == "assign_person" else data["group"]
        done = f"assigned to {target}" if outcome.action in ("assign_person", "assign_group") else past
        count = len(outcome.done)
        messages.success(
            request, f"{count} incident{'s' if count != 1 else ''} {done}: {', '.join(outcome.done)}."
        )
    for number, reason in outcome.refused:
        messages.error(request, f"{number} not {past}: {reason}")
    query = back.urlencode()
    return redirect(reverse("incidents:queue") + (f"?{query}" if query else ""))

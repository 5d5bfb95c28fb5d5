"""Saved views of the queue: save the current filters and sort under a name, delete one's own."""

from django import forms
from django.contrib import messages
from django.http import Http404, QueryDict
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from core.decorators import permission_required
from core.errors import InvalidInput
from core.validation import add_form_errors

from ..saved_views import saved_view_delete, saved_view_save, view_query
from .queue import VIEW_KEYS, render_queue


class SaveViewForm(forms.Form):
    name = forms.CharField(required=False, max_length=200)  # the service says what a name may be
    query = forms.CharField(required=False, max_length=4000)


def _queue_at(query: str):
    return redirect(reverse("incidents:queue") + (f"?{query}" if query else ""))


@require_POST
@permission_required()
def save_view(request):
    form = SaveViewForm(request.POST)
    query = view_query(QueryDict(request.POST.get("query", "")), keys=VIEW_KEYS)
    if form.is_valid():
        try:
            view, created = saved_view_save(owner=request.user, name=form.cleaned_data["name"], query=query)
        except InvalidInput as exc:
            add_form_errors(form, exc)
        else:
            messages.success(request, f"View “{view.name}” {'saved' if created else 'updated'}.")
            return _queue_at(view.query)
    return render_queue(request, QueryDict(query), status=400, save_form=form)


@require_POST
@permission_required()
def delete_view(request, pk: int):
    view = saved_view_delete(owner=request.user, pk=pk)
    if view is None:
        raise Http404("You have no such saved view.")
    messages.success(request, f"View “{view.name}” deleted.")
    return _queue_at(view_query(QueryDict(request.POST.get("next", "")), keys=VIEW_KEYS))

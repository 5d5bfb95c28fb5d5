"""The CAB's pages: the queue "awaiting my approval" and the vote (approve / reject with a comment)
posted from a queue row or from a change's approvals panel; htmx redraws just that row or panel."""

from django import forms
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from core import roles
from core.decorators import permission_required
from core.errors import DomainError

from .. import permissions
from ..approval_selectors import QUEUE_LIMIT, approvals_of, cab_queue, with_approval_rows
from ..approvals import DECISION_WORDS, change_vote, role_label
from ..models import ApprovalDecision, Change

SHOW_ROW, SHOW_PANEL = "row", "panel"


class VoteForm(forms.Form):
    decision = forms.ChoiceField(choices=ApprovalDecision.choices)
    comment = forms.CharField(required=False, max_length=4000, widget=forms.Textarea)
    role = forms.ChoiceField(choices=[("", "")] + [(r, r) for r in roles.CAB_ROLES], required=False)
    show = forms.ChoiceField(choices=[(SHOW_ROW, SHOW_ROW), (SHOW_PANEL, SHOW_PANEL)], required=False)


def _partial(request) -> bool:
    return bool(request.htmx) and not request.htmx.history_restore_request


def _row(change: Change, viewer, **extra) -> dict:
    """What one queue row shows (the change from with_approval_rows: votes prefetched)."""
    return {
        "change": change,
        "approvals": approvals_of(change, viewer=viewer, all_votes=list(change.approvals.all())),
        **extra,
    }


@require_GET
@permission_required()
def queue(request):
    changes = list(cab_queue(request.user))
    context = {
        "rows": [_row(change, request.user) for change in changes],
        "on_cab": bool(roles.roles_of(request.user) & set(roles.CAB_ROLES)),
        "limit": QUEUE_LIMIT,
        "full": len(changes) >= QUEUE_LIMIT,
        "nav": "cab",
    }
    return render(request, "changes/cab_queue.html", context)


@require_POST
@permission_required(permissions.VOTE)
def vote(request, pk: int):
    change = get_object_or_404(Change, pk=pk)
    form = VoteForm(request.POST)
    show = request.POST.get("show") if request.POST.get("show") in (SHOW_ROW, SHOW_PANEL) else SHOW_ROW
    status, error, done = 200, "", None
    if not form.is_valid():
        status, error = (
            400,
            "Choose approve or reject; "
            + "; ".join(f"{name}: {' '.join(errors)}" for name, errors in form.errors.items()),
        )
    else:
        data = form.cleaned_data
        try:
            done = change_vote(change=change, actor=request.user, decision=data["decision"],
                               comment=data["comment"], role=data["role"] or None)  # fmt: skip
        except DomainError as exc:
            status, error = exc.status, exc.message
            if getattr(exc, "fields", None):
                error = " ".join(message for msgs in exc.fields.values() for message in msgs)
    message = _done_message(done) if done else ""
    if not _partial(request):
        if error:
            messages.error(request, error)
        else:
            messages.success(request, message)
        return redirect("changes:detail", pk=pk) if show == SHOW_PANEL else redirect("changes:cab_queue")
    fresh = with_approval_rows(Change.objects.filter(pk=pk)).get()
    context = {"error": error, "done": message, "comment": "" if done else request.POST.get("comment", "")}
    if show == SHOW_PANEL:
        return render(
            request,
            "changes/_approvals.html",
            {"change": fresh, "vote_error": error, "vote_done": message},
            status=status,
        )
    return render(
        request, "changes/cab_row.html", {"row": _row(fresh, request.user, **context)}, status=status
    )


def _done_message(result) -> str:
    change, vote = result.change, result.vote
    text = f"You {DECISION_WORDS[vote.decision].lower()} {change.number} as {role_label(vote.role)}."
    if result.outcome != "pending":
        text += f" {change.number} is now {change.get_status_display().lower()}."
    return text

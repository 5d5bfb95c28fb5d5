"""The change calendar page (week / month grid of scheduled and implementing changes and freeze
windows), the user's iCalendar feed secret (create / reset), and the feed itself."""

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from core.decorators import permission_required
from core.permissions import USE, allowed

from .. import calendar


def _anchor(value: str | None) -> date | None:
    if not value:
        return timezone.localdate()
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


@require_GET
@login_required
@permission_required(USE)
def page(request):
    view = request.GET.get("view") or "week"
    anchor = _anchor(request.GET.get("date"))
    errors = []
    if view not in calendar.VIEWS:
        errors.append("The view must be 'week' or 'month'.")
    if anchor is None:
        errors.append("The date must look like 2026-12-31.")
    if errors:
        context = {"errors": errors, "nav": "changes", "feed": None, "views": calendar.VIEWS}
        return render(request, "changes/calendar.html", context, status=400)
    span = calendar.calendar_range(view, anchor)
    days = calendar.calendar_days(span)
    token = calendar.calendar_feed_token(request.user)
    feed_url = (
        request.build_absolute_uri(reverse("changes:calendar-feed", args=[token.token])) if token else None
    )
    context = {
        "span": span,
        "weeks": calendar.weeks(days),
        "days": days,
        "weekdays": [d.date for d in days[:7]],
        "views": calendar.VIEWS,
        "feed_url": feed_url,
        "nav": "changes",
        "today": timezone.localdate(),
    }
    return render(request, "changes/calendar.html", context)


@require_POST
@login_required
@permission_required(USE)
def feed_reset(request):
    had_one = calendar.calendar_feed_token(request.user) is not None
    calendar.calendar_feed_token_reset(user=request.user)
    messages.success(
        request,
        "Your calendar feed has a new address: the old one no longer works."
        if had_one
        else "Your calendar feed address is ready: subscribe to it in your calendar app.",
    )
    return redirect(f"{reverse('changes:calendar')}#feed")


@require_GET
def feed(request, token: str):
    """The iCalendar feed, no sign-in: the secret in the URL is the credential."""
    owner = calendar.feed_owner(token)
    if owner is None or not allowed(owner, USE):  # a user who lost every role loses the feed too
        raise Http404("Unknown calendar feed.")
    body = calendar.feed_calendar(
        now=timezone.now(),
        change_url=lambda change: request.build_absolute_uri(reverse("changes:detail", args=[change.pk])),
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="opsdesk-changes.ics"'
    response["Cache-Control"] = "private, max-age=300"
    response["X-Robots-Tag"] = "noindex"
    return response

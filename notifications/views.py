"""The bell: the notification list page, an htmx partial with the unread count and the latest ten,
and POST endpoints to mark read. Every user sees only their own notifications."""

from django.core.paginator import Paginator
from django.http import HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect

from core.decorators import permission_required

from . import selectors, services
from .models import Notification

PAGE_SIZE = 25
BELL_SIZE = 10


def _safe_next(request, fallback: str) -> str:
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


def _bell(request, *, status: int = 200):
    context = {
        "unread_count": selectors.notification_unread_count(user=request.user),
        "latest": selectors.notification_latest(user=request.user, limit=BELL_SIZE),
        "cap": selectors.UNREAD_COUNT_CAP,
    }
    return render(request, "notifications/_bell.html", context, status=status)


@require_GET
@permission_required(None)
def notification_list(request):
    unread_only = request.GET.get("unread") == "true"
    notifications = selectors.notification_list(user=request.user, unread=True if unread_only else None)
    page = Paginator(notifications, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "unread_only": unread_only,
        "unread_count": selectors.notification_unread_count(user=request.user),
        "cap": selectors.UNREAD_COUNT_CAP,
        "nav": "notifications",
    }
    return render(request, "notifications/list.html", context)


@require_GET
@permission_required(None)
def bell(request):
    return _bell(request)


@require_POST
@permission_required(None)
def mark_read(request):
    """`id` (repeatable) marks those read; `all` marks everything read. htmx gets the bell back."""
    if request.POST.get("all"):
        ids = None
    else:
        try:
            ids = [int(value) for value in request.POST.getlist("id")]
        except ValueError:
            return HttpResponseBadRequest("Notification ids are numbers.")
        if not ids:
            return HttpResponseBadRequest("Say which notifications (id) or all.")
    services.notification_mark_read(user=request.user, ids=ids)
    if request.htmx:
        response = _bell(request)
        response["HX-Trigger"] = "notifications-changed"
        return response
    return redirect(_safe_next(request, reverse("notifications:list")))


@require_POST
@permission_required(None)
def open_notification(request, pk: int):
    """Mark one notification read and go where it points (a local path only)."""
    notification = get_object_or_404(Notification, pk=pk, recipient=request.user)
    services.notification_mark_read(user=request.user, ids=[notification.pk])
    target = notification.url
    if not (target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()})):
        target = reverse("notifications:list")
    if request.htmx:
        return HttpResponseClientRedirect(target)
    return redirect(target)

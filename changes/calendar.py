"""The change calendar: the visible range of a week or month view, the changes and freeze windows in it
(reads bounded by that range), the per-user iCalendar feed token, and the feed itself (RFC 5545)."""

import calendar as pycalendar
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from icalendar import Calendar, Event

from .freeze import freeze_windows_between
from .models import CalendarFeedToken, Change, FreezeWindow, Status
from .models.feeds import new_feed_token

VIEWS = ("week", "month")
# What the calendar and the feed show: changes booked into a window, those under way, and those done
# (a subscribed calendar keeps a change that happened instead of losing it when it is implemented).
DONE = (Status.IMPLEMENTED, Status.IN_REVIEW, Status.CLOSED)
ON_CALENDAR = (Status.SCHEDULED, Status.IMPLEMENTING, *DONE)
MAX_ROWS = 1000  # a page or a feed never reads more changes than this (the range bounds it anyway)
FEED_PAST = timedelta(days=31)
FEED_FUTURE = timedelta(days=366)


@dataclass
class Day:
    date: date
    in_month: bool
    is_today: bool
    changes: list[Change] = field(default_factory=list)
    freezes: list[FreezeWindow] = field(default_factory=list)


@dataclass(frozen=True)
class CalendarRange:
    view: str
    anchor: date
    first: date  # first day shown
    last: date  # last day shown (inclusive)
    previous: date
    next: date
    title: str

    @property
    def start(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.first, time.min))

    @property
    def end(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.last + timedelta(days=1), time.min))


def calendar_range(view: str, anchor: date) -> CalendarRange:
    """Week: Monday to Sunday around `anchor`. Month: whole weeks covering `anchor`'s month."""
    if view == "month":
        first_of_month = anchor.replace(day=1)
        days_in_month = pycalendar.monthrange(anchor.year, anchor.month)[1]
        last_of_month = first_of_month + timedelta(days=days_in_month - 1)
        first = first_of_month - timedelta(days=first_of_month.weekday())
        last = last_of_month + timedelta(days=6 - last_of_month.weekday())
        previous = (first_of_month - timedelta(days=1)).replace(day=1)
        following = last_of_month + timedelta(days=1)
        return CalendarRange(view, anchor, first, last, previous, following, anchor.strftime("%B %Y"))
    first = anchor - timedelta(days=anchor.weekday())
    last = first + timedelta(days=6)
    title = f"Week {first.isocalendar()[1]}: {first:%d %b} – {last:%d %b %Y}"
    return CalendarRange(
        "week", anchor, first, last, first - timedelta(days=7), first + timedelta(days=7), title
    )


def calendar_changes(start: datetime, end: datetime) -> QuerySet[Change]:
    """Scheduled and implementing changes whose window overlaps [start, end), earliest first."""
    return (
        Change.objects.filter(status__in=ON_CALENDAR, planned_start__lt=end, planned_end__gt=start)
        .select_related("implementer")
        .only(
            "number",
            "title",
            "type",
            "status",
            "planned_start",
            "planned_end",
            "risk_level",
            "implementer__username",
        )
        .order_by("planned_start", "id")[:MAX_ROWS]
    )


def calendar_days(span: CalendarRange) -> list[Day]:
    """The days of `span`, each with the changes and freeze windows that touch it (local time)."""
    today = timezone.localdate()
    days = []
    current = span.first
    while current <= span.last:
        days.append(Day(current, span.view == "week" or current.month == span.anchor.month, current == today))
        current += timedelta(days=1)
    for change in calendar_changes(span.start, span.end):
        _place(days, span, change, change.planned_start, change.planned_end, "changes")
    for window in freeze_windows_between(span.start, span.end):
        _place(days, span, window, window.starts_at, window.ends_at, "freezes")
    return days


def _place(days: list[Day], span: CalendarRange, item, start: datetime, end: datetime, bucket: str) -> None:
    first = max(timezone.localtime(start).date(), span.first)
    # A window ending at midnight does not touch the day that starts then.
    last = min(timezone.localtime(end - timedelta(microseconds=1)).date(), span.last)
    for offset in range((last - first).days + 1):
        getattr(days[(first - span.first).days + offset], bucket).append(item)


def weeks(days: list[Day]) -> list[list[Day]]:
    return [days[i : i + 7] for i in range(0, len(days), 7)]


# --- the feed token ------------------------------------------------------------------------------


def calendar_feed_token(user) -> CalendarFeedToken | None:
    return CalendarFeedToken.objects.filter(user=user).first()


def calendar_feed_token_reset(*, user) -> CalendarFeedToken:
    """Create the user's feed secret, or replace it: the old feed URL stops working at once."""
    with transaction.atomic():
        token, created = CalendarFeedToken.objects.select_for_update().get_or_create(user=user)
        if not created:
            token.token = new_feed_token()
            token.created_at = timezone.now()
            token.save(update_fields=["token", "created_at"])
    return token


def feed_owner(token: str):
    """The active user whose feed secret `token` is, or None."""
    found = CalendarFeedToken.objects.select_related("user").filter(token=token, user__is_active=True).first()
    return found.user if found else None


# --- the feed ------------------------------------------------------------------------------------

PRODID = "-//OpsDesk//Change calendar//EN"


def feed_changes(now: datetime) -> QuerySet[Change]:
    """What the feed lists: changes on the calendar, and scheduled changes cancelled since (so that
    subscribers see them cancelled), with windows from a month ago to a year ahead."""
    booked = Change.objects.filter(status__in=ON_CALENDAR) | Change.objects.filter(
        status=Status.CANCELLED, scheduled_at__isnull=False
    )
    return (
        booked.filter(planned_end__gt=now - FEED_PAST, planned_start__lt=now + FEED_FUTURE)
        .select_related("implementer")
        .order_by("planned_start", "id")[:MAX_ROWS]
    )


def feed_calendar(*, now: datetime, change_url, freeze_windows: bool = True) -> bytes:
    """The iCalendar document: one VEVENT per change (UID stable per change, SEQUENCE its version) and
    one per active freeze window. `change_url(change)` gives the absolute URL of a change."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", "OpsDesk changes")
    for change in feed_changes(now):
        cal.add_component(_change_event(change, now=now, url=change_url(change)))
    if freeze_windows:
        for window in freeze_windows_between(now - FEED_PAST, now + FEED_FUTURE)[:MAX_ROWS]:
            cal.add_component(_freeze_event(window, now=now))
    return cal.to_ical()


def _change_event(change: Change, *, now: datetime, url: str) -> Event:
    event = Event()
    event.add("uid", f"change-{change.pk}@opsdesk")
    event.add("sequence", change.version)
    event.add("dtstamp", _as_utc(change.updated_at or now))
    event.add("dtstart", _as_utc(change.planned_start))
    event.add("dtend", _as_utc(change.planned_end))
    event.add("summary", f"{change.number} {change.title}")
    lines = [
        f"{change.get_type_display()} change, {change.get_status_display().lower()}.",
        f"Implementer: {change.implementer.get_username() if change.implementer_id else 'not assigned'}.",
    ]
    if change.risk_level:
        lines.append(f"Risk: {change.get_risk_level_display().lower()}.")
    if change.description:
        lines += ["", change.description]
    lines += ["", url]
    event.add("description", "\n".join(lines))
    event.add("url", url)
    event.add("status", "CANCELLED" if change.status == Status.CANCELLED else "CONFIRMED")
    event.add("transp", "OPAQUE")
    event.add("categories", ["Change", change.get_type_display()])
    return event


def _freeze_event(window: FreezeWindow, *, now: datetime) -> Event:
    services = [service.name for service in window.services.all()]
    event = Event()
    event.add("uid", f"freeze-{window.pk}@opsdesk")
    event.add("dtstamp", _as_utc(now))
    event.add("dtstart", _as_utc(window.starts_at))
    event.add("dtend", _as_utc(window.ends_at))
    event.add("summary", f"Change freeze: {window.name}")
    scope = f"Services: {', '.join(services)}." if services else "Applies to every service."
    event.add("description", "\n".join(filter(None, [scope, window.reason])))
    event.add("status", "CONFIRMED")
    event.add("transp", "TRANSPARENT")
    event.add("categories", ["Freeze window"])
    return event


def _as_utc(at: datetime) -> datetime:
    return at.astimezone(UTC)

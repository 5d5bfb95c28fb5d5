"""Formatting of the dashboard's figures: durations for people, ISO 8601 for machines."""

from datetime import timedelta

from django import template
from django.utils.duration import duration_iso_string

register = template.Library()


@register.filter
def duration_text(value: timedelta | None) -> str:
    """12 s, 11 min 40 s, 2 h 05 min, 3 d 4 h; an em dash when there is nothing to show."""
    if value is None:
        return "—"
    seconds = round(value.total_seconds())
    sign = "−" if seconds < 0 else ""
    seconds = abs(seconds)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    if days:
        text = f"{days} d {hours} h" if hours else f"{days} d"
    elif hours:
        text = f"{hours} h {minutes:02d} min"
    elif minutes:
        text = f"{minutes} min {seconds} s" if seconds else f"{minutes} min"
    else:
        text = f"{seconds} s"
    return sign + text


@register.filter
def duration_iso(value: timedelta | None) -> str:
    return "" if value is None else duration_iso_string(value)


@register.filter
def percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f} %"

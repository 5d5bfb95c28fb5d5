"""Formatting of the dashboard's figures that is not a duration (durations: core/formatting.py)."""

from django import template

register = template.Library()


@register.filter
def percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f} %"

"""`{{ delta|duration:"words" }}` and `{{ delta|duration_iso }}`: see core/formatting.py."""

from django import template

from core import formatting

register = template.Library()


@register.filter
def duration(value, style: str = "words") -> str:
    return formatting.duration_text(value, style)


register.filter("duration_iso", formatting.duration_iso)

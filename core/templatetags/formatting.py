"""`{{ delta|duration:"words" }}`, `{{ delta|duration_iso }}`, `{{ instant|local_minute }}` (in the
active time zone, with its abbreviation) and `{{ text|local_instants }}` (the UTC instants of stored
text in the active zone): see core/formatting.py."""

from django import template
from django.utils import timezone

from core import formatting

register = template.Library()


@register.filter
def duration(value, style: str = "words") -> str:
    return formatting.duration_text(value, style)


register.filter("duration_iso", formatting.duration_iso)
register.filter("local_minute", formatting.local_minute)  # what |date:"Y-m-d H:i T" wrote, faster
register.filter("local_iso", formatting.local_iso)  # what |date:'c' wrote, faster


@register.filter
def local_instants(text: str) -> str:
    return formatting.localize_instants(text or "", timezone.get_current_timezone())

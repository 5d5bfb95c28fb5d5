"""`{% fixed_url "name" %}`: `{% url "name" %}` for a URL without arguments, reversed once per process
(and script prefix). The page header's links are on every page, and reverse() cost ~30-50 µs each; an
unknown name gives "" (the header leaves out a link whose app is not installed)."""

from functools import cache

from django import template
from django.urls import NoReverseMatch, get_script_prefix, reverse

register = template.Library()


@register.simple_tag
def fixed_url(name: str) -> str:
    return _reversed(name, get_script_prefix())


@cache
def _reversed(name: str, prefix: str) -> str:
    try:
        return reverse(name)
    except NoReverseMatch:
        return ""

"""`{% form_fields form "app/_fields.html" %}`: the template rendered with `form` (as `form`). A blank form
(unbound, no initial data of its own) renders the same HTML on every page, so it is rendered once per
process and language and reused: Django renders each field through several templates (label, widget,
attributes, help text), about a millisecond per field, on every page that offers the form (a detail
page offers a comment form and a form per allowed action). A bound form (errors, typed values) is
rendered afresh."""

from django import template
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

_blank: dict[tuple, SafeString] = {}
_LIMIT = 256  # distinct blank forms (class, ids, template, language): a handful in practice


@register.simple_tag
def form_fields(form, template_name: str) -> SafeString:
    if form.is_bound or form.initial:
        return render_to_string(template_name, {"form": form})
    key = (type(form), form.auto_id, form.prefix, template_name, translation.get_language())
    html = _blank.get(key)
    if html is None:
        html = mark_safe(render_to_string(template_name, {"form": form}))
        if len(_blank) < _LIMIT:
            _blank[key] = html
    return html

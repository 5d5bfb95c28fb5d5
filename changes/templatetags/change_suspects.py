"""`{% load change_suspects %}` then `{% change_suspects change %}` on a change's page ("possibly
caused incidents") or `{% incident_suspects incident %}` on an incident's page ("possibly caused by
CHG-…"): the panels load their own data, so the detail views need no change."""

from django import template

from changes.views.suspects import suspects_panel

register = template.Library()


@register.inclusion_tag("changes/_suspects.html", takes_context=True)
def change_suspects(context, change):
    return suspects_panel(context["request"].user, change=change) | {"request": context["request"]}


@register.inclusion_tag("changes/_incident_suspects.html", takes_context=True)
def incident_suspects(context, incident):
    return suspects_panel(context["request"].user, incident=incident) | {"request": context["request"]}

"""`{% change_approvals change as approvals %}`: one change's approval as the signed-in user sees it
(templates/changes/_approvals.html loads it, so the detail view passes nothing but `change`)."""

from django import template

from ..approval_selectors import approvals_of
from ..approvals import DECISION_WORDS, role_label

register = template.Library()


@register.simple_tag(takes_context=True)
def change_approvals(context, change):
    request = context.get("request")
    viewer = getattr(request, "user", None) or context.get("user")
    return approvals_of(change, viewer=viewer)


@register.filter
def cab_role(role: str) -> str:
    """cab_tech_lead → Technical lead."""
    return role_label(role)


@register.filter
def decided(decision: str) -> str:
    """approve → Approved, reject → Rejected."""
    return DECISION_WORDS.get(decision, decision)

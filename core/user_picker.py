"""Picking a person in a form without a select of every account: a text input (the username) with a
datalist that a small htmx endpoint fills with at most 20 matches as one types. The field accepts a
username, or an id (what older links and scripts send), from the queryset it is given."""

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from core.decorators import permission_required

MAX_OPTIONS = 20
_MAX_ID = 2**63 - 1


class UserPickInput(forms.TextInput):
    """`<input list=…>` plus its `<datalist>`, refilled from `core:user_options` while typing."""

    template_name = "core/widgets/user_pick.html"

    def __init__(self, attrs=None):
        super().__init__({"autocomplete": "off", "spellcheck": "false", **(attrs or {})})

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        widget = context["widget"]
        list_id = f"{widget['attrs'].get('id') or name}-options"
        widget["attrs"].update(
            {
                "list": list_id,
                "hx-get": f"{reverse('user_options')}?for={name}",
                "hx-trigger": "input changed delay:250ms, focus once",
                "hx-target": f"#{list_id}",
                "hx-swap": "innerHTML",
                "hx-sync": "this:replace",
            }
        )
        widget["list_id"] = list_id
        return context


class UserPickField(forms.ModelChoiceField):
    """A user of `queryset` by username (or id); renders the username."""

    widget = UserPickInput
    default_error_messages = {
        "invalid_choice": "No active user '%(value)s'. Type a few letters and pick one."
    }

    def __init__(self, queryset, **kwargs):
        kwargs.setdefault("empty_label", None)
        super().__init__(queryset, to_field_name="username", **kwargs)

    def prepare_value(self, value):
        if isinstance(value, int) and not isinstance(value, bool):  # an id given as the initial value
            value = self.queryset.filter(pk=value).first()
        return super().prepare_value(value)

    def to_python(self, value):
        text = (value or "").strip() if isinstance(value, str) else value
        if text in self.empty_values:
            return None
        if isinstance(text, get_user_model()):
            return text
        text = str(text)
        user = self.queryset.filter(username=text).first()
        if user is None and text.isdigit() and int(text) <= _MAX_ID:
            user = self.queryset.filter(pk=int(text)).first()
        if user is None:
            raise ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice", params={"value": text}
            )
        return user


def matching_users(text: str, *, limit: int = MAX_OPTIONS):
    """Active users whose username, name or email contains `text`, by username: at most `limit`."""
    users = get_user_model().objects.filter(is_active=True)
    text = text.strip()
    if text:
        users = users.filter(
            Q(username__icontains=text)
            | Q(first_name__icontains=text)
            | Q(last_name__icontains=text)
            | Q(email__istartswith=text)
        )
    return users.order_by("username").only("username", "first_name", "last_name")[:limit]


@require_GET
@permission_required()
def user_options(request):
    """The `<option>`s of a person picker's datalist: the typed text is the parameter named by `for`."""
    name = request.GET.get("for") or "q"
    text = request.GET.get(name, "")[:150]
    return render(request, "core/widgets/user_options.html", {"users": matching_users(text)})

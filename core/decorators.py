"""The one guard for browser views: signed in (else the login page) and holding a permission
(else 403 with the permission's message)."""

from collections.abc import Callable
from functools import wraps

import rules
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django_htmx.http import HttpResponseClientRedirect

from core import permissions


def permission_required(rule: str | rules.Predicate | None = permissions.USE) -> Callable:
    """`@permission_required()` needs any OpsDesk role; `@permission_required(app.permissions.CREATE)`
    a named permission (see core/permissions.py), or pass a rules predicate; `None`: signed in is enough."""

    def decorate(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                response = redirect_to_login(request.get_full_path())
                if getattr(request, "htmx", False):  # a partial must move the whole page to the login form
                    return HttpResponseClientRedirect(response["Location"])
                return response
            if rule is not None and not _holds(request.user, rule):
                raise PermissionDenied(permissions.message(rule) if isinstance(rule, str) else None)
            return view(request, *args, **kwargs)

        return wrapper

    return decorate


def _holds(user, rule: str | rules.Predicate) -> bool:
    return permissions.allowed(user, rule) if isinstance(rule, str) else bool(rule.test(user))

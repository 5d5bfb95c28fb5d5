"""core/decorators.permission_required: the one login + permission guard of the browser views."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.test import RequestFactory
from django_htmx.middleware import HtmxDetails

from core import roles
from core.decorators import permission_required
from core.permissions import CONFIGURE, USE


def ok(request):
    return HttpResponse("ok")


def request_as(user, *, htmx: bool = False):
    request = RequestFactory().get("/somewhere/?x=1", **({"HTTP_HX_REQUEST": "true"} if htmx else {}))
    request.user = user
    request.htmx = HtmxDetails(request)
    return request


def test_anonymous_goes_to_the_login_page_and_htmx_moves_the_whole_page():
    response = permission_required()(ok)(request_as(AnonymousUser()))
    assert response.status_code == 302 and response["Location"].endswith("?next=/somewhere/%3Fx%3D1")
    response = permission_required()(ok)(request_as(AnonymousUser(), htmx=True))
    assert response.status_code == 200 and "next=" in response["HX-Redirect"]


@pytest.mark.parametrize(
    ("rule", "role", "passes"),
    [
        (None, None, True),  # signed in is enough
        (USE, None, False),  # the default: any OpsDesk role
        (USE, roles.VIEWER, True),
        (CONFIGURE, roles.AGENT, False),
        (CONFIGURE, roles.MANAGER, True),
        (roles.can_read_internal_notes, roles.VIEWER, False),  # a rules predicate works too
        (roles.can_read_internal_notes, roles.AGENT, True),
    ],
)
def test_signed_in_users_need_the_permission(make_user, rule, role, passes):
    view = permission_required(rule)(ok)
    request = request_as(make_user(*([role] if role else [])))
    if passes:
        assert view(request).content == b"ok"
    else:
        with pytest.raises(PermissionDenied):
            view(request)

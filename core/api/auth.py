from django.contrib.auth.models import Group
from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import OuterRef
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import exceptions, serializers
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.throttling import AnonRateThrottle

from core import roles

from .serializers import ErrorSerializer


class ObtainTokenView(ObtainAuthToken):
    """Exchange a username and password for an API token (`Authorization: Token <key>`)."""

    throttle_classes = [AnonRateThrottle]
    public_endpoint = True

    @extend_schema(
        operation_id="auth_token_create",
        tags=["auth"],
        request=inline_serializer(
            "TokenRequest", {"username": serializers.CharField(), "password": serializers.CharField()}
        ),
        responses={
            200: inline_serializer("TokenResponse", {"token": serializers.CharField()}),
            400: ErrorSerializer,
            429: ErrorSerializer,
        },
        auth=[],
    )
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)


class TokenWithRolesAuthentication(TokenAuthentication):
    """DRF's token authentication that reads the user's OpsDesk roles in the same query (an array
    subquery) and leaves them where core.roles.roles_of() caches them for the request: every API
    request checks a role, which otherwise costs a query of its own."""

    def authenticate_credentials(self, key):
        roles_held = Group.objects.filter(user=OuterRef("user_id"), name__in=roles.ALL_ROLES).values("name")
        try:
            token = (
                Token.objects.select_related("user").annotate(roles=ArraySubquery(roles_held)).get(key=key)
            )
        except Token.DoesNotExist:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from None
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        token.user._opsdesk_roles = frozenset(token.roles)  # core.roles.roles_of()'s per-request cache
        return (token.user, token)

"""API authentication: DRF's token scheme, reading the user's roles in the same query. Kept apart from
the token view (core/api/auth.py) so settings can name it without importing DRF's views."""

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token

from core import roles


class TokenWithRolesAuthentication(TokenAuthentication):
    """DRF's token authentication that reads the user's OpsDesk roles in the same query (an array
    subquery) and leaves them where core.roles.roles_of() caches them for the request: every API
    request checks a role, which otherwise costs a query of its own."""

    def authenticate_credentials(self, key):
        try:
            token = (
                Token.objects.select_related("user")
                .annotate(**roles.roles_annotation("user_id"))
                .get(key=key)
            )
        except Token.DoesNotExist:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from None
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        roles.remember_roles(token.user, token.opsdesk_roles)
        return (token.user, token)

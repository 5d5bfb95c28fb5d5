from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import exceptions, parsers, serializers
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.response import Response

from core.login_throttle import REQUEST_ATTRIBUTE, lockout_message

from .serializers import ErrorSerializer
from .throttling import LoginRateThrottle


class ObtainTokenView(ObtainAuthToken):
    """Exchange a username and password for an API token (`Authorization: Token <key>`).

    Failed attempts lock the account and the client address for a while (429 with `Retry-After`);
    credentials sent along (a token, a session) change nothing: every request here is anonymous."""

    authentication_classes = ()
    parser_classes = [parsers.JSONParser]  # like every other endpoint (ObtainAuthToken also takes forms)
    throttle_classes = [LoginRateThrottle]
    public_endpoint = True

    @extend_schema(
        operation_id="auth_token_create",
        tags=["auth"],
        # Components TokenRequest (input: COMPONENT_SPLIT_REQUEST adds "Request") and Token (output).
        request=inline_serializer(
            "Token", {"username": serializers.CharField(), "password": serializers.CharField()}
        ),
        responses={
            200: inline_serializer("Token", {"token": serializers.CharField()}),
            400: ErrorSerializer,
            429: OpenApiResponse(ErrorSerializer, description="Too many attempts; see Retry-After."),
        },
        auth=[],
    )
    def post(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        if not serializer.is_valid():
            wait = getattr(request, REQUEST_ATTRIBUTE, 0)
            if wait:
                raise exceptions.Throttled(wait=wait, detail=lockout_message(wait), code="login_locked")
            raise exceptions.ValidationError(serializer.errors)
        token, _ = Token.objects.get_or_create(user=serializer.validated_data["user"])
        return Response({"token": token.key})

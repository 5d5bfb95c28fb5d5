"""REST API for notifications: thin views over notifications.services and notifications.selectors."""

import django_filters
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core.filtersets import FilterSet
from notifications import selectors, services
from notifications.models import Notification

from .permissions import CanManageWebhooks, OwnNotifications
from .serializers import (
    MarkReadResultSerializer,
    MarkReadSerializer,
    NotificationSerializer,
    WebhookSubscriptionCreatedSerializer,
    WebhookSubscriptionCreateSerializer,
    WebhookSubscriptionSerializer,
    WebhookSubscriptionUpdateSerializer,
)


def _validated(serializer_class, request) -> dict:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


class NotificationFilter(FilterSet):
    unread = django_filters.BooleanFilter(
        field_name="read_at", lookup_expr="isnull", label="true: unread only; false: read only"
    )

    class Meta:
        model = Notification
        fields = ["unread"]


class NotificationViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Your own in-app notifications, newest first."""

    permission_classes = [OwnNotifications]
    serializer_class = NotificationSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = NotificationFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Notification.objects.none()
        return selectors.notification_list(user=self.request.user)

    @extend_schema(
        summary="Mark your notifications read: the listed ids, or all with an empty body.",
        request=MarkReadSerializer,
        responses={200: MarkReadResultSerializer},
    )
    @action(detail=False, methods=["post"], url_path="mark-read", filter_backends=[], pagination_class=None)
    def mark_read(self, request):
        data = _validated(MarkReadSerializer, request)
        marked = services.notification_mark_read(user=request.user, ids=data.get("ids"))
        unread = selectors.notification_unread_count(user=request.user)
        return Response({"marked": marked, "unread_count": unread})


class WebhookSubscriptionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Outgoing webhooks (managers and superusers only). Each event is POSTed as JSON
    `{"id", "type", "created_at", "data"}` with header `X-OpsDesk-Event` and the Standard Webhooks
    headers `webhook-id` (the event id), `webhook-timestamp` and `webhook-signature` (v1, keyed by
    the `whsec_` secret); a non-2xx answer is retried with exponential backoff. The `url` must be
    a public address (loopback, private and link-local ones are refused unless the operator allows
    the network)."""

    permission_classes = [CanManageWebhooks]
    serializer_class = WebhookSubscriptionSerializer
    filter_backends = []
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        return selectors.webhook_subscription_list()

    @extend_schema(
        request=WebhookSubscriptionCreateSerializer, responses={201: WebhookSubscriptionCreatedSerializer}
    )
    def create(self, request, *args, **kwargs):
        data = _validated(WebhookSubscriptionCreateSerializer, request)
        subscription = services.webhook_subscription_create(actor=request.user, **data)
        return Response(
            WebhookSubscriptionCreatedSerializer(self.get_queryset().get(pk=subscription.pk)).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(
        request=WebhookSubscriptionUpdateSerializer, responses={200: WebhookSubscriptionSerializer}
    )
    def partial_update(self, request, *args, **kwargs):
        data = _validated(WebhookSubscriptionUpdateSerializer, request)
        subscription = services.webhook_subscription_update(
            subscription=self.get_object(), actor=request.user, **data
        )
        return Response(WebhookSubscriptionSerializer(self.get_queryset().get(pk=subscription.pk)).data)

    @extend_schema(responses={204: None})
    def destroy(self, request, *args, **kwargs):
        services.webhook_subscription_delete(subscription=self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

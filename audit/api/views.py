from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets
from rest_framework.permissions import BasePermission

from audit import selectors
from audit.api.serializers import AuditFilterSerializer, AuditRecordSerializer
from core import roles
from core.api.pagination import CursorPagination


class CanReadAudit(BasePermission):
    message = "Only managers may read the audit log."

    def has_permission(self, request, view) -> bool:
        return roles.can_configure(request.user)


class AuditPagination(CursorPagination):
    ordering = selectors.ORDERING


class AuditRecordViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Who changed which configuration when, before → after (managers and superusers), newest first.
    Written by database triggers, so admin, API and any other write is here; records never change."""

    serializer_class = AuditRecordSerializer
    permission_classes = [CanReadAudit]
    pagination_class = AuditPagination
    filter_backends = []

    def get_queryset(self):
        params = self.request.query_params
        paging = {self.paginator.cursor_query_param, self.paginator.page_size_query_param}
        filters = AuditFilterSerializer(data={key: params[key] for key in params if key not in paging})
        filters.is_valid(raise_exception=True)
        data = filters.validated_data
        return selectors.audit_record_list(
            model=data.get("model"),
            object_id=data.get("object_id"),
            actor_id=data.get("actor"),
            since=data.get("since"),
            until=data.get("until"),
        )

    @extend_schema(parameters=[AuditFilterSerializer], operation_id="audit_list")
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

"""REST API for changes: thin views over changes.services (filing, planning, lifecycle),
changes.approvals (votes) and changes.scheduling (windows, conflicts)."""

from rest_framework import viewsets

from ..models import Change
from .approvals import ApprovalActions
from .scheduling import SchedulingActions


class ChangeViewSet(ApprovalActions, SchedulingActions, viewsets.GenericViewSet):
    """/api/v1/changes/: list, create, detail, update and one action per transition."""

    # chgcab only: what the approval actions' get_object() reads (chgflow's viewset replaces it).
    queryset = Change.objects.select_related("requester", "implementer", "approval_policy")

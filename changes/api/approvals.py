"""The change API's approval actions: approve and reject (CAB votes) and the approvals of a change.

    POST /api/v1/changes/{id}/approve/   {"comment": "...", "role": "cab_tech_lead"?}
    POST /api/v1/changes/{id}/reject/    {"comment": "why", "role": ...?}   (comment required)
    GET  /api/v1/changes/{id}/approvals/

A vote answers with the approvals as they are after it (the change's status and version included).
403 for a vote the user may not cast (not on the CAB, none of the policy's roles, their own change),
409 when the change is not awaiting approval or the vote was already cast, 400 for bad input."""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.response import Response

from core import permissions as core_permissions
from core.api.serializers import ErrorSerializer, UserRefSerializer

from .. import permissions
from ..approval_selectors import approvals_of
from ..approvals import change_vote
from ..models import ApprovalDecision
from ..models.approvals import CAB_ROLE_CHOICES


class CanVote(BasePermission):
    """Anyone with an OpsDesk role reads the approvals; casting a vote needs changes.vote_change."""

    message = core_permissions.message(core_permissions.USE)

    def has_permission(self, request, view) -> bool:
        if not core_permissions.allowed(request.user, core_permissions.USE):
            return False
        if request.method in SAFE_METHODS:
            return True
        self.message = core_permissions.message(permissions.VOTE)
        return core_permissions.allowed(request.user, permissions.VOTE)


class VoteSerializer(serializers.Serializer):
    comment = serializers.CharField(
        required=False, allow_blank=True, max_length=4000, default="",
        help_text="Why (required to reject: the rejection reason the requester reads).",
    )  # fmt: skip
    role = serializers.ChoiceField(
        choices=CAB_ROLE_CHOICES, required=False, allow_null=True, default=None,
        help_text="The CAB role to vote in; only needed when you hold several roles the policy lists.",
    )  # fmt: skip


class VoteOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    voter = UserRefSerializer()
    role = serializers.CharField()
    decision = serializers.ChoiceField(choices=ApprovalDecision.choices)
    comment = serializers.CharField()
    round = serializers.IntegerField()
    created_at = serializers.DateTimeField()


class ApprovalPolicyBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    mode = serializers.CharField()
    required = serializers.IntegerField()
    roles = serializers.ListField(child=serializers.CharField())


class ChangeBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    status = serializers.CharField()
    version = serializers.IntegerField()


class ApprovalsSerializer(serializers.Serializer):
    """The approval of one change, as the caller sees it."""

    change = ChangeBriefSerializer()
    policy = ApprovalPolicyBriefSerializer(allow_null=True, help_text="Null before approval is requested.")
    round = serializers.IntegerField(help_text="How many times the change was sent for approval.")
    required_roles = serializers.SerializerMethodField(help_text="The CAB roles whose votes count.")
    needed = serializers.IntegerField(help_text="Approvals needed this round.")
    approvals = serializers.IntegerField(help_text="Approvals cast this round.")
    outcome = serializers.ChoiceField(
        choices=["pending", "approved", "rejected"], help_text="What this round's votes decide."
    )
    pending_roles = serializers.ListField(
        child=serializers.CharField(), help_text="Listed roles without a vote (while awaiting approval)."
    )
    votes = VoteOutputSerializer(many=True, help_text="This round's votes, oldest first.")
    previous_votes = VoteOutputSerializer(many=True, help_text="Earlier rounds' votes.")
    can_vote = serializers.BooleanField(help_text="Whether the caller may vote now.")
    vote_roles = serializers.ListField(
        child=serializers.CharField(),
        help_text="The roles the caller may vote in now (choose one if several).",
    )
    refusal = serializers.CharField(
        help_text="Why the caller may not vote (empty if they may or are not on the CAB)."
    )

    def get_required_roles(self, state) -> list[str]:
        return list(state.policy.roles) if state.policy else []


ERRORS = {
    400: OpenApiResponse(ErrorSerializer, "Bad input: a rejection without a comment, an ambiguous role."),
    403: OpenApiResponse(ErrorSerializer, "Not on the CAB, none of the policy's roles, or your own change."),
    404: OpenApiResponse(ErrorSerializer, "No such change."),
    409: OpenApiResponse(ErrorSerializer, "Not awaiting approval, or this vote was already cast."),
}


class ApprovalActions:
    """Mixed into ChangeViewSet (which provides get_object over the changes)."""

    def _vote(self, request, decision: str) -> Response:
        serializer = VoteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        result = change_vote(
            change=self.get_object(), actor=request.user, decision=decision, **serializer.validated_data
        )
        return Response(ApprovalsSerializer(approvals_of(result.change, viewer=request.user)).data)

    @extend_schema(
        summary="Approve as a CAB member.",
        request=VoteSerializer,
        responses={200: ApprovalsSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"], filter_backends=[], permission_classes=[CanVote])
    def approve(self, request, pk=None):
        """Approve in one of your CAB roles; the approval that completes the policy approves the change."""
        return self._vote(request, ApprovalDecision.APPROVE)

    @extend_schema(
        summary="Reject as a CAB member (comment required).",
        request=VoteSerializer,
        responses={200: ApprovalsSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"], filter_backends=[], permission_classes=[CanVote])
    def reject(self, request, pk=None):
        """Reject with a comment (the reason): one rejection rejects the change."""
        return self._vote(request, ApprovalDecision.REJECT)

    @extend_schema(
        summary="The approval policy, votes and pending roles.",
        responses={200: ApprovalsSerializer, 404: ERRORS[404]},
    )
    @action(
        detail=True, methods=["get"], filter_backends=[], permission_classes=[CanVote], pagination_class=None
    )
    def approvals(self, request, pk=None):
        """The policy the change is voted under, this round's votes and earlier ones, the roles still
        pending, and whether you may vote."""
        return Response(ApprovalsSerializer(approvals_of(self.get_object(), viewer=request.user)).data)

"""/api/v1/approval-policies/: which CAB roles approve normal and emergency changes, and how many.
Anyone with a role reads; change managers and managers write (through changes.approval_policies)."""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.response import Response

from core.api.permissions import HasRole
from core.api.serializers import ErrorSerializer

from .. import permissions
from ..approval_policies import approval_policy_create, approval_policy_delete, approval_policy_update
from ..models import ApprovalMode, ApprovalPolicy, ChangeType
from ..models.approvals import CAB_ROLE_CHOICES


class ApprovalPolicySerializer(serializers.ModelSerializer):
    roles = serializers.ListField(child=serializers.ChoiceField(choices=CAB_ROLE_CHOICES))

    class Meta:
        model = ApprovalPolicy
        fields = ["id", "name", "change_type", "roles", "mode", "required", "active"]


class ApprovalPolicyInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=120)
    change_type = serializers.ChoiceField(choices=ChangeType.choices)
    roles = serializers.ListField(
        child=serializers.ChoiceField(choices=CAB_ROLE_CHOICES), min_length=1,
        help_text="The CAB roles whose votes count.",
    )  # fmt: skip
    mode = serializers.ChoiceField(choices=ApprovalMode.choices)
    required = serializers.IntegerField(
        required=False, min_value=1, help_text="For n_of_m: approvals needed (1 to the number of roles)."
    )
    active = serializers.BooleanField(required=False, help_text="One active policy per change type.")


ERRORS = {
    400: OpenApiResponse(ErrorSerializer, "Invalid policy (field messages)."),
    409: OpenApiResponse(
        ErrorSerializer, "In use by a change awaiting approval, or by voted changes (delete)."
    ),
}


class ApprovalPolicyViewSet(viewsets.ModelViewSet):
    permission_classes = [HasRole]
    write_permission = permissions.MANAGE_APPROVAL_POLICIES
    serializer_class = ApprovalPolicySerializer
    queryset = ApprovalPolicy.objects.all()
    filterset_fields = ["change_type", "active"]
    ordering_fields = ["name", "id"]
    ordering = ("name",)
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def _input(self, request, *, partial: bool) -> dict:
        serializer = ApprovalPolicyInputSerializer(data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    @extend_schema(request=ApprovalPolicyInputSerializer, responses={201: ApprovalPolicySerializer, **ERRORS})
    def create(self, request, *args, **kwargs):
        policy = approval_policy_create(actor=request.user, **self._input(request, partial=False))
        return Response(ApprovalPolicySerializer(policy).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ApprovalPolicyInputSerializer, responses={200: ApprovalPolicySerializer, **ERRORS})
    def partial_update(self, request, *args, **kwargs):
        data = self._input(request, partial=True)
        policy = approval_policy_update(policy=self.get_object(), actor=request.user, **data)
        return Response(ApprovalPolicySerializer(policy).data)

    @extend_schema(responses={204: None, 409: ERRORS[409]})
    def destroy(self, request, *args, **kwargs):
        approval_policy_delete(policy=self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

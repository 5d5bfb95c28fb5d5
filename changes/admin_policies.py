"""Admin of approval policies: the same rules and services as the API (changes.approval_policies);
change managers and managers (staff) edit them. Imported by changes/admin.py."""

from django import forms
from django.contrib import admin

from core.admin_permissions import config_rules
from core.admin_writes import ServiceBackedAdmin, ServiceWrites
from core.errors import InvalidInput

from . import approval_policies, permissions
from .models import ApprovalPolicy
from .models.approvals import CAB_ROLE_CHOICES


class ApprovalPolicyForm(forms.ModelForm):
    roles = forms.MultipleChoiceField(
        choices=CAB_ROLE_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        help_text="The CAB roles whose votes count.",
    )

    class Meta:
        model = ApprovalPolicy
        fields = ["name", "change_type", "roles", "mode", "required", "active"]

    def clean(self):
        data = super().clean()
        values = {name: data.get(name) for name in self.Meta.fields}
        try:
            data.update(approval_policies.approval_policy_check(values=values, exclude_pk=self.instance.pk))
        except InvalidInput as error:
            for name, messages in error.fields.items():
                self.add_error(name if name in self.fields else None, messages)
            return data
        if self.instance.pk and (conflict := approval_policies.approval_policy_in_use(self.instance, data)):
            self.add_error(None, conflict.message)
        return data


@admin.register(ApprovalPolicy)
class ApprovalPolicyAdmin(ServiceBackedAdmin):
    permission_rules = config_rules(permissions.MANAGE_APPROVAL_POLICIES)
    form = ApprovalPolicyForm
    list_display = ("name", "change_type", "mode", "required", "role_list", "active")
    list_filter = ("change_type", "mode", "active")
    writes = ServiceWrites(
        approval_policies.approval_policy_create,
        approval_policies.approval_policy_update,
        approval_policies.approval_policy_delete,
        subject="policy",
    )

    @admin.display(description="roles")
    def role_list(self, policy: ApprovalPolicy) -> str:
        return ", ".join(policy.roles)

"""Who may change SLA and escalation policies (see core/permissions.py); anyone with a role reads them."""

from core import roles
from core.permissions import define

MANAGE_POLICIES = define("sla.manage_policies", roles.can_configure, "Only managers may change SLA policies.")
MANAGE_ESCALATIONS = define(
    "sla.manage_escalations", roles.can_configure, "Only managers may change escalation policies."
)

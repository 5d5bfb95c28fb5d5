"""Who may do what to changes: the one definition the API, the browser, the admin and the services all
check (core/permissions.py). Reading needs any OpsDesk role (core.use). Segregation of duties (the
requester and implementer never approve their own change) is checked by the approval service, since
it depends on the change, not only on the role."""

from core import roles
from core.permissions import define

# Agents and managers file and work changes; change managers run the process.
can_request = roles.has_role(roles.AGENT, roles.MANAGER, roles.CHANGE_MANAGER)
can_manage = roles.has_role(roles.CHANGE_MANAGER, roles.MANAGER)
can_vote = roles.has_role(*roles.CAB_ROLES)

_REQUESTERS = "Only agents, managers and change managers may file and work changes."
_CHANGE_MANAGERS = "Only change managers may do this."

CREATE = define("changes.add_change", can_request, _REQUESTERS)
UPDATE = define("changes.change_change", can_request, _REQUESTERS)
TRANSITION = define("changes.transition_change", can_request, _REQUESTERS)  # submit, start, complete, ...
ASSESS = define("changes.assess_change", can_manage, "Only change managers may assess a high-risk change.")
VOTE = define(
    "changes.vote_change", can_vote, "Only members of the change advisory board may approve or reject."
)
WORK_TASK = define("changes.work_change_task", can_request, _REQUESTERS)
SCHEDULE = define("changes.schedule_change", can_request, _REQUESTERS)
OVERRIDE_FREEZE = define(
    "changes.override_freeze",
    can_manage,
    "Only change managers may schedule an emergency change into a freeze.",
)
MANAGE_TEMPLATES = define("changes.manage_templates", can_manage, _CHANGE_MANAGERS)
MANAGE_FREEZE_WINDOWS = define("changes.manage_freeze_windows", can_manage, _CHANGE_MANAGERS)
MANAGE_APPROVAL_POLICIES = define("changes.manage_approval_policies", can_manage, _CHANGE_MANAGERS)
LINK_INCIDENTS = define(
    "changes.link_incidents",
    roles.has_role(roles.AGENT, roles.MANAGER, roles.CHANGE_MANAGER),
    "Only agents, managers and change managers may confirm or dismiss a suspected cause.",
)

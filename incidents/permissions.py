"""Who may do what to incidents: the one definition the API, the browser, the admin and the
services all check (see core/permissions.py). Reading needs any OpsDesk role (core.use)."""

from core import roles
from core.permissions import define

WORKER_ROLES = frozenset({roles.AGENT, roles.MANAGER})

# An active agent, manager or superuser: may work incidents and be assigned them.
can_work_incidents = roles.has_role(*WORKER_ROLES)

_WORKERS_ONLY = "Only agents and managers may file and work incidents."

CREATE = define("incidents.add_incident", can_work_incidents, _WORKERS_ONLY)
UPDATE = define("incidents.change_incident", can_work_incidents, _WORKERS_ONLY)
TRANSITION = define("incidents.transition_incident", can_work_incidents, _WORKERS_ONLY)
COMMENT = define("incidents.comment_incident", can_work_incidents, _WORKERS_ONLY)
ESCALATE = define("incidents.escalate_incident", can_work_incidents, _WORKERS_ONLY)
# Watching (hearing of public updates): anyone who may read incidents may watch one themselves;
# adding or removing someone else is working the incident.
WATCH = define("incidents.watch_incident", roles.has_any_role, "Your account has no OpsDesk role yet.")

"""The change process's records. One module per concern; every model is importable from here."""

from .approvals import ApprovalDecision, ApprovalMode, ApprovalPolicy, ChangeApproval  # noqa: F401
from .change import (  # noqa: F401
    ACTIVE_STATUSES,
    CANCELLABLE_STATUSES,
    TRANSITIONS,
    Change,
    ChangeType,
    Outcome,
    RiskLevel,
    RollbackComplexity,
    Status,
    Testing,
)
from .conflicts import ChangeConflict, ConflictKind  # noqa: F401
from .feeds import CalendarFeedToken  # noqa: F401
from .schedule import FreezeWindow  # noqa: F401
from .suspects import SuspectedCause, SuspectReason, SuspectStatus  # noqa: F401
from .templates import ChangeTemplate, ChangeTemplateTask  # noqa: F401
from .work_orders import UNFINISHED_TASK_STATUSES, ChangeTask, TaskStatus  # noqa: F401

"""SLA configuration shared by every process: working calendars, SLA policies, escalation policies,
and the abstract clock a process attaches to its records. One module per concern."""

from .calendars import Calendar, Holiday, Weekday, WorkingPeriod, validate_time_zone
from .clocks import SlaClockBase
from .escalation import Escalation, EscalationLevel, EscalationPolicy
from .policies import SlaPolicy

__all__ = [
    "Calendar",
    "Escalation",
    "EscalationLevel",
    "EscalationPolicy",
    "Holiday",
    "SlaClockBase",
    "SlaPolicy",
    "Weekday",
    "WorkingPeriod",
    "validate_time_zone",
]

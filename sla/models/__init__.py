"""SLA configuration shared by every process: working calendars, SLA policies, escalation policies,
and the SLA clocks any process's records carry. One module per concern."""

from .calendars import Calendar, Holiday, Weekday, WorkingPeriod, validate_time_zone
from .clocks import SlaClock, SlaClockBase
from .escalation import Escalation, EscalationLevel, EscalationPolicy
from .policies import SlaPolicy, SlaTarget

__all__ = [
    "Calendar",
    "Escalation",
    "EscalationLevel",
    "EscalationPolicy",
    "Holiday",
    "SlaClock",
    "SlaClockBase",
    "SlaPolicy",
    "SlaTarget",
    "Weekday",
    "WorkingPeriod",
    "validate_time_zone",
]

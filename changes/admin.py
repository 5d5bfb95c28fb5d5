"""Admin of the change process (chgcab adds only the approval policies; chgflow owns this module)."""

from . import admin_policies  # noqa: F401

"""The change API's scheduling actions: schedule and conflicts."""


class SchedulingActions:
    """Mixed into ChangeViewSet."""

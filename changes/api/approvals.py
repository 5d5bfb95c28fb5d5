"""The change API's approval actions: approve, reject (votes) and the approvals list."""


class ApprovalActions:
    """Mixed into ChangeViewSet."""

from . import freeze_admin  # noqa: F401  (freeze windows: changes/freeze_admin.py)

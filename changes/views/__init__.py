"""Browser pages of the change process, one module per page family (see changes/urls.py)."""

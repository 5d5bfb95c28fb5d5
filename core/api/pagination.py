from rest_framework import pagination


class CursorPagination(pagination.CursorPagination):
    """Cursor pagination over an indexed key: no COUNT(*) of the whole table per request."""

    ordering = "-id"
    page_size_query_param = "page_size"
    max_page_size = 200

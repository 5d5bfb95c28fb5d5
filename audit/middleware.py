from django.db import connection
from pghistory.middleware import HistoryMiddleware


class AuditMiddleware(HistoryMiddleware):
    """pghistory's middleware (actor and URL of every write request), on PostgreSQL only: the context
    is passed to the triggers as SQL settings that another database would not understand."""

    def __call__(self, request):
        if connection.vendor != "postgresql":
            return self.get_response(request)
        return super().__call__(request)

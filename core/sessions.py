"""Django's database sessions, read by one plain statement built once per process (as core/signed_in.py
reads the user): every page reads its session first, and compiling the ORM's query took longer than
PostgreSQL took to answer it. Writes, expiry and clean-up stay Django's."""

from django.contrib.sessions.backends import db
from django.db import connection
from django.utils import timezone

SQL = (
    'SELECT "session_data", "expire_date" FROM "django_session"'
    ' WHERE "session_key" = %s AND "expire_date" > %s'
)


class SessionStore(db.SessionStore):
    def _get_session_from_db(self):
        key = self.session_key  # validated by Django (a key of the wrong shape is None here)
        if key is None:
            return None
        with connection.prepared_cursor() as cursor:
            cursor.execute(SQL, [key, timezone.now()])
            row = cursor.fetchone()
        if row is None:
            self._session_key = None
            return None
        return self.model(session_key=key, session_data=row[0], expire_date=row[1])

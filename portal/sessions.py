"""The session store: Django's database sessions, the session's row read with a statement compiled once.

Every signed-in request reads its session first; the ORM's ``get(session_key=..., expire_date__gt=now)``
cost about 0.5 ms of Python to build each time (``portal.statements``). The row is read by its key and an
expired one is treated as missing, as Django's own store does.
"""

from django.contrib.sessions.backends import db
from django.db import router
from django.utils import timezone

from portal.statements import row_statement


class SessionStore(db.SessionStore):
    def _get_session_from_db(self):
        session = None
        if self.session_key is not None:
            session = row_statement(self.model, router.db_for_read(self.model)).get(self.session_key)
        if session is None or session.expire_date <= timezone.now():
            self._session_key = None
            return None
        return session

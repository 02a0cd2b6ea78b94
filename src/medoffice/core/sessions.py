"""Ending a user's server-side sessions (SECURITY.md AC-06).

Sessions live in the database (Django's default backend) keyed by a random id,
not by user: ending a user's sessions reads the unexpired ones and deletes
those signed in as that user. An office has at most a few hundred at once.
"""

from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django.utils import timezone


def user_sessions_end(*, user_id: int, keep: str | None = None) -> int:
    """Delete every live session of `user_id` except `keep` (a session key); return the count."""
    doomed = []
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if session.session_key == keep:
            continue
        if str(session.get_decoded().get(SESSION_KEY)) == str(user_id):
            doomed.append(session.session_key)
    if doomed:
        Session.objects.filter(session_key__in=doomed).delete()
    return len(doomed)

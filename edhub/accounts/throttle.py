"""Login lockout that holds under parallel attempts.

An attempt takes its place in the account's counter BEFORE the password is checked, in one UPDATE statement
(atomic on PostgreSQL and SQLite alike): of 30 simultaneous wrong passwords, exactly LOGIN_ATTEMPTS are checked and
the others are refused without a check. A successful login clears the counter; the lock ends LOGIN_LOCK_SECONDS
after the last attempt counted.
"""

import hashlib
from datetime import timedelta

from django.conf import settings
from django.db.models import Case, F, Q, Value, When
from django.utils import timezone

from edhub.accounts.models import LoginThrottle


def account_key(username):
    return hashlib.sha256(username.strip().lower().encode()).hexdigest()


def take_attempt(username):
    """True when this attempt may check a password, False while the account is locked."""
    key, now = account_key(username), timezone.now()
    expired = Q(last_attempt_at__lt=now - timedelta(seconds=settings.LOGIN_LOCK_SECONDS))
    LoginThrottle.objects.get_or_create(key=key, defaults={"last_attempt_at": now})  # a parallel creation is read
    taken = LoginThrottle.objects.filter(Q(key=key) & (Q(attempts__lt=settings.LOGIN_ATTEMPTS) | expired)).update(
        attempts=Case(When(expired, then=Value(1)), default=F("attempts") + 1), last_attempt_at=now
    )
    return taken == 1


def clear(username):
    """A successful login: the account's failures are forgotten."""
    LoginThrottle.objects.filter(key=account_key(username)).delete()

"""The current connection of a school: one concept, written by the apps that know it and read by those that need it.

Two kinds of reports describe the connection of a school for a rentrée: a declaration (a local inventory published
by a collectivité or an académie) and an observation (the follow-up of a connectivity call's works). Each app that
knows connections registers a provider from its AppConfig.ready(); the observatory and the eligibility to a call
read the merged result here, by one rule (`wins`), without importing those apps.
"""

from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ImproperlyConfigured
from django.db import models


class Origin(models.TextChoices):
    DECLARED = "declared", "Déclarée dans un inventaire local"
    OBSERVED = "observed", "Relevée par le suivi des travaux d'un appel"


@dataclass(frozen=True)
class Connection:
    """What one report says of the connection of a school for a rentrée."""

    uai: str
    rentree: int
    technology: str  # "" when unknown
    download_mbps: float | None
    recorded_at: datetime | None  # publication of the declaration, last update of the observation
    origin: str  # Origin


# {name: (origin, provider)}; provider(schools) -> [Connection], one per school and rentrée, of the schools given
# (None: all; else UAIs or a School queryset).
PROVIDERS = {}


def register(name, origin, provider):
    """Register the connections an app knows (from its AppConfig.ready())."""
    if PROVIDERS.get(name, (origin, provider)) != (origin, provider):
        raise ImproperlyConfigured(f"Connection provider {name!r} registered twice.")
    PROVIDERS[name] = (origin, provider)


def reports(schools=None, origins=tuple(Origin)):
    """[Connection] of every registered provider of these origins, for these schools (None: all of them)."""
    return [
        connection for origin, provider in PROVIDERS.values() if origin in origins for connection in provider(schools)
    ]


def wins(report, held):
    """Whether `report` replaces `held`, reported for the same school and rentrée. An observation replaces a
    declaration unless the declaration was published after the observation's last update; between two reports of
    the same origin, the later given wins (providers give them oldest first)."""
    if report.origin == held.origin:
        return True
    observed, declared = (report, held) if report.origin == Origin.OBSERVED else (held, report)
    declared_after = None not in (declared.recorded_at, observed.recorded_at) and (
        declared.recorded_at > observed.recorded_at
    )
    return declared_after != (report is observed)


def merge(connections):
    """{(uai, rentrée): Connection}: the connection in force of each school for each rentrée reported."""
    current = {}
    for connection in connections:
        key = connection.uai, connection.rentree
        held = current.get(key)
        if held is None or wins(connection, held):
            current[key] = connection
    return current


def current_connections(schools=None):
    """{(uai, rentrée): Connection} in force, of these schools (None: all of them)."""
    return merge(reports(schools))


def latest(current):
    """{uai: Connection} of the latest rentrée of each school, from `merge`'s result."""
    latest = {}
    for connection in current.values():
        held = latest.get(connection.uai)
        if held is None or connection.rentree > held.rentree:
            latest[connection.uai] = connection
    return latest

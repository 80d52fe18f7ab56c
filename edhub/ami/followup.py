"""Follow-up of the laureates of a connectivity call: the schools of each accepted dossier, from planned works to a
connection (date, technology obtained, measured speed).

The commune agent of the dossier's commune updates it, or an instructor (a national administrator, the académie of
the commune). A school marked connected feeds the observatory's connectivity indicators of schools for the rentrée
of its connection date, in place of the connection declared in the local inventory for that rentrée, unless that
declaration was published after the follow-up: the follow-up reports its connections to edhub.schools.connections
(registered from AmiConfig.ready()), which holds that rule. Each change that matters to the observatory
records an ImportRun of the inventories' source, as a publication does: the indicators that read local
declarations are recomputed for the commune and every cache keyed by the data version is renewed.
"""

import hashlib
from collections import Counter
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from edhub.accounts.permissions import require
from edhub.ami.models import Application, ApplicationSchool
from edhub.inventories.models import SOURCE as INVENTORIES
from edhub.inventories.models import Technology
from edhub.inventories.validation import current_rentree
from edhub.opendata.models import ImportRun
from edhub.opendata.values import school_years
from edhub.schools import connections
from edhub.schools.connections import Connection, Origin

Stage = ApplicationSchool.Works


def laureate_schools(campaign):
    """The schools of the accepted dossiers of a call, by commune then UAI."""
    return (
        ApplicationSchool.objects.filter(application__campaign=campaign, application__state=Application.State.ACCEPTED)
        .select_related("school", "application__commune__departement")
        .order_by("application__commune__name", "application__commune__code", "school__uai")
    )


def stage_of(concerned):
    """The stage of a laureate's school: its works are planned until the follow-up says more."""
    return Stage(concerned.works or Stage.PLANNED)


def stage_counts(schools):
    """[(stage, count)] of these schools, in the order of the stages."""
    counts = Counter(stage_of(concerned) for concerned in schools)
    return [(stage, counts[stage]) for stage in Stage]


def check(works, connected_on, technology, download_mbps, today=None):
    """The errors of a follow-up, by field: a connected school has a connection date (not in the future) and the
    technology obtained."""
    errors = {}
    if works != Stage.CONNECTED:
        return errors
    today = today or timezone.localdate()
    if connected_on is None:
        errors["connected_on"] = "Indiquez la date à laquelle l'école a été connectée."
    elif connected_on > today:
        errors["connected_on"] = "La date de connexion ne peut pas être dans le futur."
    if not technology:
        errors["connected_technology"] = "Indiquez la connexion obtenue."
    elif technology == Technology.AUCUNE:
        errors["connected_technology"] = "Une école connectée a une connexion : choisissez sa technologie."
    if download_mbps is not None and download_mbps <= 0:
        errors["connected_mbps"] = "Un débit mesuré est positif."
    return errors


def _observed(concerned):
    """What the observatory reads of a school's follow-up (None: nothing)."""
    if concerned.works != Stage.CONNECTED:
        return None
    return (concerned.connected_on, concerned.connected_technology, concerned.connected_mbps)


@transaction.atomic
def update(application, user, changes, today=None):
    """Apply `changes`, {id of a school of the dossier (ApplicationSchool): {works, connected_on,
    connected_technology, connected_mbps}}; a school that is not connected keeps no connection. Returns the
    ImportRun recorded when a change reaches the observatory, else None."""
    require(user, "ami.follow_up", application)
    schools = application.concerned.in_bulk(list(changes))
    if set(changes) - set(schools):
        raise PermissionDenied("Seules les écoles du dossier se suivent ici.")
    now, reached = timezone.now(), []
    for pk, values in changes.items():
        concerned = schools[pk]
        works = Stage(values["works"])
        connected = works == Stage.CONNECTED
        fields = {
            "connected_on": values.get("connected_on") if connected else None,
            "connected_technology": (values.get("connected_technology") or "") if connected else "",
            "connected_mbps": values.get("connected_mbps") if connected else None,
        }
        errors = check(
            works, fields["connected_on"], fields["connected_technology"], fields["connected_mbps"], today=today
        )
        if errors:
            raise ValidationError(errors)
        before = _observed(concerned)
        concerned.works, concerned.works_updated_at = works, now
        for name, value in fields.items():
            setattr(concerned, name, value)
        concerned.save(update_fields=["works", "works_updated_at", *fields])
        if _observed(concerned) != before:
            reached.append(concerned)
    return _record(application, user, reached) if reached else None


def describe(concerned):
    """A school's follow-up in words (for the import log)."""
    stage = stage_of(concerned)
    if stage != Stage.CONNECTED:
        return f"{concerned.school_id} : {stage.label.lower()}"
    speed = "débit non mesuré"
    if concerned.connected_mbps is not None:
        speed = f"{concerned.connected_mbps:g} Mbit/s".replace(".", ",")
    technology = Technology(concerned.connected_technology).label
    return f"{concerned.school_id} : connectée le {concerned.connected_on:%d/%m/%Y}, {technology}, {speed}"


def _record(application, user, schools):
    """An ImportRun of the inventories' source for these follow-ups, then the recomputation of the commune."""
    from edhub.inventories.tasks import recompute_indicators

    lines = [describe(concerned) for concerned in schools]
    rentrees = {current_rentree(c.connected_on) for c in schools if c.connected_on is not None}
    vintage = f"Suivi de l'appel « {application.campaign.title} », {application.commune.name}"
    if rentrees:
        vintage += f", rentrée {school_years(rentrees)}"
    now = timezone.now()
    run = ImportRun.objects.create(
        source=INVENTORIES,
        file_name=f"suivi-ami-{application.campaign_id}-{application.commune.code}",
        checksum=hashlib.sha256("\n".join([now.isoformat(), *lines]).encode()).hexdigest(),
        vintage=vintage[:100],
        finished_at=now,
        status=ImportRun.Status.SUCCESS,
        rows_read=len(lines),
        rows_updated=len(lines),
        message=f"Mis à jour par {user.get_username()} : " + " ; ".join(lines),
    )
    commune_id = application.commune_id
    transaction.on_commit(lambda: recompute_indicators.enqueue(commune_id))
    return run


def followed_connections(schools=None):
    """[Connection] observed by the follow-up: the schools of accepted dossiers marked connected (of these schools,
    UAIs or a School queryset, when given), each with the latest follow-up when several dossiers have it."""
    rows = ApplicationSchool.objects.filter(
        application__state=Application.State.ACCEPTED, works=Stage.CONNECTED, connected_on__isnull=False
    ).exclude(connected_technology="")
    if schools is not None:
        rows = rows.filter(school__in=schools)
    latest = {}
    for uai, connected_on, technology, mbps, updated_at in rows.values_list(
        "school_id", "connected_on", "connected_technology", "connected_mbps", "works_updated_at"
    ).order_by("works_updated_at", "pk"):
        latest[uai] = Connection(uai, current_rentree(connected_on), technology, mbps, updated_at, Origin.OBSERVED)
    return sorted(latest.values(), key=lambda connection: connection.uai)


@dataclass(frozen=True)
class ObservatoryUse:
    """Whether the observatory reads a school's followed connection, or a newer declaration of the inventory."""

    connection: Connection  # observed by the follow-up
    current: Connection  # in force for the same school and rentrée (edhub.schools.connections)

    @property
    def used(self):
        return self.current == self.connection

    @property
    def declared_at(self):
        """The publication of the newer declaration read instead (None when the follow-up is read)."""
        return None if self.used else self.current.recorded_at


def observatory_use(uais):
    """{uai: ObservatoryUse} of these schools' followed connections."""
    current = connections.current_connections(uais)
    return {
        connection.uai: ObservatoryUse(connection, current[connection.uai, connection.rentree])
        for connection in followed_connections(uais)
    }

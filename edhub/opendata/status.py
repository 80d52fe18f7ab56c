"""What is loaded: counts per level, schools, and the last import of every source."""

from django.db.models import Count

from edhub.opendata.models import ImportRun
from edhub.opendata.sources import SOURCES
from edhub.schools.models import School, SchoolFigure
from edhub.territories.geography import SOURCE as GEOGRAPHY
from edhub.territories.models import Level, Territory


def loaded_status():
    levels = dict(Territory.objects.current().values_list("level").annotate(n=Count("id")).values_list("level", "n"))
    latest = ImportRun.objects.latest_per_source()
    sources = []
    for slug, title in [(GEOGRAPHY, "Géographie de référence (COG 2026)")] + [
        (s.slug, s.title) for s in SOURCES.values()
    ]:
        run = latest.get(slug)
        sources.append(
            {
                "source": slug,
                "title": title,
                "loaded": run is not None,
                "vintage": run.vintage if run else None,
                "file": run.file_name if run else None,
                "checksum": run.checksum if run else None,
                "imported_at": run.finished_at.isoformat(timespec="seconds") if run else None,
                "rows_read": run.rows_read if run else 0,
                "rows_rejected": run.rows_rejected if run else 0,
                "rows_warned": run.rows_warned if run else 0,
                "rows_out_of_scope": run.rows_out_of_scope if run else 0,
                "scope": run.scope_label if run else None,
            }
        )
    last = ImportRun.objects.order_by("-started_at").first()
    schools = School.objects.values_list("kind").annotate(n=Count("uai"))
    return {
        "territories": {level.value: levels.get(level.value, 0) for level in Level},
        "schools": {
            "total": School.objects.count(),
            "by_kind": dict(schools),
            "by_state": dict(School.objects.values_list("state").annotate(n=Count("uai"))),
            "with_coordinates": School.objects.filter(latitude__isnull=False).count(),
        },
        "figures": dict(
            SchoolFigure.objects.values_list("variable").annotate(n=Count("id")).values_list("variable", "n")
        ),
        "sources": sources,
        "last_import": {
            "source": last.source,
            "status": last.status,
            "file": last.file_name,
            "started_at": last.started_at.isoformat(timespec="seconds"),
            "message": last.message,
        }
        if last
        else None,
    }

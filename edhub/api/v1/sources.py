from datetime import datetime

from ninja import Router

from edhub.api.v1.schemas import Out
from edhub.opendata.provenance import describe_run, latest_runs

router = Router(tags=["Sources"])


class SourceRun(Out):
    source: str
    title: str
    licence: str
    dataset_url: str
    vintage: str
    file_name: str
    checksum: str
    imported_at: datetime | None
    rows_read: int
    rows_created: int
    rows_updated: int
    rows_unchanged: int
    rows_rejected: int


@router.get("", response=list[SourceRun], summary="Données chargées")
def list_sources(request):
    """Le dernier import réussi de chaque source : millésime, fichier, empreinte SHA-256 et bilan des lignes.
    Une liste vide signifie qu'aucune donnée n'est encore chargée."""
    return [
        {
            **describe_run(run),
            "rows_read": run.rows_read,
            "rows_created": run.rows_created,
            "rows_updated": run.rows_updated,
            "rows_unchanged": run.rows_unchanged,
            "rows_rejected": run.rows_rejected,
        }
        for run in latest_runs().values()
    ]

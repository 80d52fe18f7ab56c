"""Where a figure comes from: the open-data sources and their import runs, shared by the site and the API."""

from dataclasses import dataclass

from edhub.opendata.models import ImportRun
from edhub.opendata.sources import SOURCES
from edhub.territories.geography import SOURCE as GEOGRAPHY_SOURCE

# Sources loaded outside the open-data registry: {slug: title}. An app that records import runs of its own data
# registers its source from its AppConfig.ready() (register_source).
OTHER_SOURCES = {
    GEOGRAPHY_SOURCE: "Référentiel géographique : Code officiel géographique et populations légales (INSEE)",
}


def register_source(slug, title):
    OTHER_SOURCES[slug] = title


@dataclass(frozen=True)
class SourceInfo:
    slug: str
    title: str
    licence: str = ""
    dataset_url: str = ""


def source_info(slug):
    """The registry entry of a source, or a bare one named after its slug when the registry does not know it."""
    source = SOURCES.get(slug)
    if source is None:
        return SourceInfo(slug=slug, title=OTHER_SOURCES.get(slug, slug))
    return SourceInfo(
        slug=slug,
        title=source.title,
        licence=source.licence,
        dataset_url=source.dataset_url,
    )


def short_checksum(checksum):
    return checksum[:12]


def describe_run(run):
    """A provenance record for the templates and the API."""
    if run is None:
        return None
    source = source_info(run.source)
    return {
        "source": run.source,
        "title": source.title,
        "licence": source.licence,
        "dataset_url": source.dataset_url,
        "vintage": run.vintage,
        "file_name": run.file_name,
        "imported_at": run.finished_at or run.started_at,
        "checksum": run.checksum,
        "checksum_short": short_checksum(run.checksum),
    }


def latest_runs():
    """The last successful run of each source, sorted by source slug."""
    return dict(sorted(ImportRun.objects.defer("rejections", "message").latest_per_source().items()))


def geography_run(runs):
    """Among `latest_runs()`, the run of the reference geography (populations, areas, contours), if loaded."""
    return runs.get(GEOGRAPHY_SOURCE)

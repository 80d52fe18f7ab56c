"""The registry of open-data sources: `edhub fetch`, `edhub import` and `edhub status` read it."""

from edhub.opendata.sources.annuaire import AnnuaireSource
from edhub.opendata.sources.arcep import ArcepCommunesSource, ArcepDebitSource
from edhub.opendata.sources.effectifs import EffectifsEcolesSource
from edhub.opendata.sources.geoloc import GeolocSource
from edhub.opendata.sources.insee import InseeDensiteSource
from edhub.opendata.sources.ips import IPS_COLLEGES, IPS_ECOLES, IPS_LYCEES

# In the order they are best imported: the directory first, then what joins on it.
SOURCES = {
    source.slug: source
    for source in (
        AnnuaireSource(),
        GeolocSource(),
        IPS_ECOLES,
        IPS_COLLEGES,
        IPS_LYCEES,
        EffectifsEcolesSource(),
        ArcepCommunesSource(),
        ArcepDebitSource(),
        InseeDensiteSource(),
    )
}

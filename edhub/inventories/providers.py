"""What the local inventories give the rest of the platform, registered from InventoriesConfig.ready():
- the title of their source, "inventaires" (edhub.opendata.provenance);
- the declared connection of each school for each rentrée (edhub.schools.connections), which the observatory and
  the eligibility to a connectivity call read merged with the connections that the follow-up of a call observes;
- the observatory's input "inventory" (the declarations in force, with the current connection of each school) and
  the indicators read from it (edhub.indicators.registry).
"""

from collections import defaultdict
from dataclasses import dataclass, replace

from edhub.indicators.catalogue import ALL_LEVELS, Direction, Indicator
from edhub.indicators.measures import DeclaredRatio, DeclaredShare
from edhub.indicators.registry import register_indicators, register_input
from edhub.inventories.models import SOURCE, Declaration
from edhub.opendata.provenance import register_source
from edhub.schools import connections
from edhub.schools.connections import Connection, Origin

INPUT = "inventory"


def declared_connections(schools=None):
    """[Connection] declared in force: for each school and rentrée, that of the latest published upload (of these
    schools: UAIs or a School queryset; None: all)."""
    rows = Declaration.objects.published()
    if schools is not None:
        rows = rows.filter(school__in=schools)
    in_force = {}
    for uai, rentree, technology, mbps, published_at in rows.values_list(
        "school_id", "rentree", "technology", "download_mbps", "upload__confirmed_at"
    ):
        in_force[uai, rentree] = Connection(uai, rentree, technology, mbps, published_at, Origin.DECLARED)
    return list(in_force.values())


@dataclass(frozen=True, slots=True)
class DeclaredSchool:
    """The declaration in force of a school for a rentrée (local inventory); None fields are unknown."""

    pupils: int | None
    classes: int | None
    fixed_computers: int | None
    mobile_devices: int | None
    video_projectors: int | None
    interactive_screens: int | None
    classes_display: int | None
    classes_teacher_computer: int | None
    classes_internet: int | None
    classes_camera: int | None
    classes_microphone: int | None
    classes_speakers: int | None
    classes_wifi: int | None
    shared_mobile_pack: bool | None
    director_computer: bool | None
    director_connection: bool | None
    director_printer: bool | None
    technology: str
    download_mbps: float | None
    ent_in_use: bool | None

    @property
    def terminals(self):
        known = (self.fixed_computers, self.mobile_devices)
        return None if None in known else sum(known)

    @property
    def displays(self):
        known = (self.video_projectors, self.interactive_screens)
        return None if None in known else sum(known)

    @property
    def fibre(self):
        return (self.technology == "fibre") if self.technology else None

    @property
    def speed_30(self):
        return None if self.download_mbps is None else self.download_mbps >= 30

    @property
    def socle(self):
        """Whether the école meets the socle numérique de base (None when part of it is unknown): in every class a
        fixed video projector or interactive screen, a teacher computer, Internet, a camera, a microphone and
        speakers; a shared mobile pack; for the director a computer, a connection and a networked printer."""
        per_class = (
            self.classes_display,
            self.classes_teacher_computer,
            self.classes_internet,
            self.classes_camera,
            self.classes_microphone,
            self.classes_speakers,
        )
        school = (self.shared_mobile_pack, self.director_computer, self.director_connection, self.director_printer)
        if self.classes is None or None in per_class or None in school:
            return None
        return all(count >= self.classes for count in per_class) and all(school)


DECLARED_FIELDS = tuple(DeclaredSchool.__slots__)
NOTHING_DECLARED = DeclaredSchool(**{**dict.fromkeys(DECLARED_FIELDS), "technology": ""})


def declarations():
    """{rentrée: {uai: DeclaredSchool}}: the declarations in force (those of the latest published upload), the
    input "inventory" of the observatory.

    The connection of a school is its current one (edhub.schools.connections): one that the follow-up of a call
    observed replaces the declared one for the rentrée of its connection, unless the declaration of that rentrée was
    published after the follow-up; the other declared fields stay."""
    declared, reported = defaultdict(dict), []
    for rentree, uai, published_at, *fields in Declaration.objects.published().values_list(
        "rentree", "school_id", "upload__confirmed_at", *DECLARED_FIELDS
    ):
        school = declared[rentree][uai] = DeclaredSchool(*fields)
        reported.append(
            Connection(uai, rentree, school.technology, school.download_mbps, published_at, Origin.DECLARED)
        )
    current = connections.merge([*reported, *connections.reports(origins=(Origin.OBSERVED,))])
    observed = sorted((c for c in current.values() if c.origin == Origin.OBSERVED), key=lambda c: c.uai)
    for connection in observed:
        school = declared[connection.rentree].get(connection.uai, NOTHING_DECLARED)
        declared[connection.rentree][connection.uai] = replace(
            school, technology=connection.technology, download_mbps=connection.download_mbps
        )
    return {rentree: declared[rentree] for rentree in sorted(declared)}


# -- Indicators: equipment, connection and uses ------------------------------------------------------------------

DECLARED_PERIOD = "Rentrée décrite par les inventaires locaux déposés par les collectivités et les académies."
DECLARED_THEME = "Équipement et usages (déclarations locales)"


def _indicators():
    declared = (
        "déclarées dans l'inventaire local en vigueur (dernière version publiée par la collectivité ou l'académie)"
    )
    for slug, label, definition, unit, measure, direction, family_coverage in (
        (
            "eleves_par_terminal",
            "Élèves par terminal (1 terminal pour N élèves)",
            "Nombre d'élèves divisé par le nombre d'ordinateurs fixes, portables et tablettes à leur usage, sommes "
            "sur les écoles et établissements qui ont déclaré les deux",
            "élèves par terminal",
            DeclaredRatio(numerator="pupils", denominator="terminals", input=INPUT),
            Direction.HIGHER_IS_WORSE,
            "des écoles et établissements",
        ),
        (
            "part_terminaux_mobiles",
            "Part des terminaux mobiles",
            "Part des portables et tablettes parmi les terminaux à l'usage des élèves (fixes, portables, tablettes)",
            "%",
            DeclaredRatio(numerator="mobile_devices", denominator="terminals", scale=100.0, input=INPUT),
            Direction.NEUTRAL,
            "des écoles et établissements",
        ),
        (
            "affichage_par_classe",
            "Vidéoprojecteurs et écrans interactifs par classe",
            "Nombre de vidéoprojecteurs, tableaux et écrans numériques interactifs divisé par le nombre de classes",
            "équipements par classe",
            DeclaredRatio(numerator="displays", denominator="classes", input=INPUT),
            Direction.HIGHER_IS_BETTER,
            "des écoles et établissements",
        ),
        (
            "part_classes_wifi",
            "Part des classes couvertes par le Wi-Fi",
            "Classes couvertes par le Wi-Fi divisées par le nombre de classes",
            "%",
            DeclaredRatio(numerator="classes_wifi", denominator="classes", scale=100.0, input=INPUT),
            Direction.HIGHER_IS_BETTER,
            "des écoles et établissements",
        ),
        (
            "part_connexion_fibre",
            "Part des écoles et établissements raccordés à la fibre",
            "Part de ceux dont la connexion déclarée est en fibre optique, parmi ceux qui ont déclaré leur "
            "technologie",
            "%",
            DeclaredShare(test="fibre", input=INPUT),
            Direction.HIGHER_IS_BETTER,
            "des écoles et établissements",
        ),
        (
            "part_debit_mesure_30",
            "Part des écoles et établissements avec un débit mesuré d'au moins 30 Mbit/s",
            "Part de ceux dont le débit descendant mesuré atteint 30 Mbit/s, parmi ceux qui ont déclaré une mesure",
            "%",
            DeclaredShare(test="speed_30", input=INPUT),
            Direction.HIGHER_IS_BETTER,
            "des écoles et établissements",
        ),
        (
            "part_ent",
            "Part des écoles et établissements utilisant un ENT",
            "Part de ceux qui déclarent utiliser un espace numérique de travail (ENT), parmi ceux qui l'ont déclaré",
            "%",
            DeclaredShare(test="ent_in_use", input=INPUT),
            Direction.HIGHER_IS_BETTER,
            "des écoles et établissements",
        ),
        (
            "part_socle_numerique",
            "Part des écoles atteignant le socle numérique de base",
            "Part des écoles dont chaque classe a un vidéoprojecteur fixe ou un écran interactif, un ordinateur pour "
            "l'enseignant, Internet, une caméra, un microphone et des haut-parleurs, qui ont une classe mobile "
            "partagée, et dont la direction a un ordinateur, une connexion et une imprimante-scanner en réseau, "
            "parmi les écoles qui ont déclaré tous ces équipements",
            "%",
            DeclaredShare(test="socle", family="ecoles", input=INPUT),
            Direction.HIGHER_IS_BETTER,
            "des écoles",
        ),
    ):
        yield Indicator(
            slug=slug,
            label=label,
            definition=f"{definition}, {declared}.",
            unit=unit,
            theme=DECLARED_THEME,
            sources=(SOURCE,),
            period_rule=DECLARED_PERIOD,
            coverage_rule=f"Part {family_coverage} du répertoire (hors fermés) dont la déclaration renseigne ces "
            "valeurs pour cette rentrée.",
            levels=ALL_LEVELS,
            measure=measure,
            direction=direction,
        )


def register():
    register_source(SOURCE, "Inventaires locaux : déclarations des collectivités et des académies (edhub)")
    connections.register("inventories", Origin.DECLARED, declared_connections)
    register_input(INPUT, declarations)
    register_indicators(_indicators())

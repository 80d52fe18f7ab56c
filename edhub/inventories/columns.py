"""The upload template: its columns, in file order, each with its header, its help text and how it is read.

One definition serves the downloadable template (XLSX and CSV), its documentation page and the validator.
"""

from dataclasses import dataclass

from edhub.inventories.models import Technology


@dataclass(frozen=True)
class Column:
    name: str  # Declaration field, or "uai" / "school_name" / "commune_name"
    header: str
    help: str
    kind: (
        str  # "uai", "rentree", "info" (read-only, ignored), "count", "classes", "flag", "speed", "technology", "text"
    )
    maximum: float | None = None
    example: str = ""

    @property
    def required(self):
        return self.kind in ("uai", "rentree")


YES_NO = "« oui » ou « non » (vide : inconnu)."
CLASSES = "Nombre de classes, au plus égal au nombre de classes de l'école."

COLUMNS = (
    Column(
        "uai",
        "UAI",
        "Identifiant de l'école ou de l'établissement (7 chiffres et une lettre).",
        "uai",
        example="0940176F",
    ),
    Column(
        "school_name",
        "Nom",
        "Rappel du nom : non lu, pour se repérer.",
        "info",
        example="École élémentaire Jules Ferry",
    ),
    Column("commune_name", "Commune", "Rappel de la commune : non lu, pour se repérer.", "info", example="Créteil"),
    Column(
        "rentree",
        "Rentrée",
        "Année de la rentrée décrite (2025 pour l'année scolaire 2025-2026).",
        "rentree",
        example="2025",
    ),
    Column("pupils", "Élèves", "Nombre d'élèves à la rentrée.", "count", 5000, "212"),
    Column("classes", "Classes", "Nombre de classes.", "count", 200, "9"),
    Column(
        "fixed_computers",
        "Ordinateurs fixes élèves",
        "Ordinateurs fixes à l'usage des élèves (salle informatique comprise).",
        "count",
        5000,
        "4",
    ),
    Column(
        "mobile_devices",
        "Portables et tablettes élèves",
        "Ordinateurs portables et tablettes à l'usage des élèves.",
        "count",
        5000,
        "16",
    ),
    Column("video_projectors", "Vidéoprojecteurs", "Vidéoprojecteurs fixes ou mobiles.", "count", 500, "6"),
    Column(
        "interactive_screens",
        "Écrans ou tableaux interactifs",
        "Tableaux numériques interactifs (TNI) et écrans numériques interactifs (ENI).",
        "count",
        500,
        "3",
    ),
    Column(
        "classes_display",
        "Classes avec vidéoprojecteur ou écran interactif",
        f"Classes équipées d'un vidéoprojecteur fixe ou d'un écran interactif. {CLASSES}",
        "classes",
        example="9",
    ),
    Column(
        "classes_teacher_computer",
        "Classes avec ordinateur enseignant",
        f"Classes où l'enseignant dispose d'un ordinateur portable. {CLASSES}",
        "classes",
        example="9",
    ),
    Column(
        "classes_internet",
        "Classes connectées",
        f"Classes ayant accès à Internet (filaire ou Wi-Fi). {CLASSES}",
        "classes",
        example="9",
    ),
    Column(
        "classes_camera",
        "Classes avec caméra",
        f"Classes équipées d'une caméra (visioconférence, visualiseur). {CLASSES}",
        "classes",
        example="9",
    ),
    Column(
        "classes_microphone",
        "Classes avec microphone",
        f"Classes équipées d'un microphone. {CLASSES}",
        "classes",
        example="9",
    ),
    Column(
        "classes_speakers",
        "Classes avec haut-parleurs",
        f"Classes équipées de haut-parleurs. {CLASSES}",
        "classes",
        example="9",
    ),
    Column("classes_wifi", "Classes couvertes par le Wi-Fi", CLASSES, "classes", example="7"),
    Column(
        "shared_mobile_pack",
        "Classe mobile partagée",
        f"L'école dispose d'une classe mobile (tablettes ou portables) partagée : {YES_NO}",
        "flag",
        example="oui",
    ),
    Column(
        "director_computer",
        "Ordinateur de la direction",
        f"La direction dispose d'un ordinateur : {YES_NO}",
        "flag",
        example="oui",
    ),
    Column(
        "director_connection",
        "Connexion de la direction",
        f"Le bureau de la direction est connecté à Internet : {YES_NO}",
        "flag",
        example="oui",
    ),
    Column(
        "director_printer",
        "Imprimante-scanner en réseau",
        f"La direction dispose d'une imprimante-scanner en réseau : {YES_NO}",
        "flag",
        example="non",
    ),
    Column(
        "technology",
        "Technologie de connexion",
        "Technologie de l'accès à Internet de l'école : "
        + ", ".join(f"« {value} » ({label})" for value, label in Technology.choices)
        + ".",
        "technology",
        example="fibre",
    ),
    Column(
        "download_mbps",
        "Débit descendant mesuré (Mbit/s)",
        "Débit descendant mesuré dans l'école, en Mbit/s (test de débit).",
        "speed",
        10000,
        "95,5",
    ),
    Column(
        "upload_mbps",
        "Débit montant mesuré (Mbit/s)",
        "Débit montant mesuré dans l'école, en Mbit/s.",
        "speed",
        10000,
        "40",
    ),
    Column(
        "ent_in_use",
        "ENT utilisé",
        f"Un espace numérique de travail (ENT) est utilisé par l'école : {YES_NO}",
        "flag",
        example="oui",
    ),
    Column("ent_name", "Nom de l'ENT", "Nom de l'ENT utilisé (facultatif).", "text", example="ENT 94"),
)
COLUMNS_BY_NAME = {column.name: column for column in COLUMNS}
DATA_COLUMNS = tuple(column for column in COLUMNS if column.kind not in ("uai", "rentree", "info"))

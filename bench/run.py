"""edhub benchmarks on the real open-data files: each figure is printed against its target.

Run with `make bench` (or `.venv/bin/python bench/run.py --only api`). Every run works in a fresh temporary
folder given to the commands as EDHUB_VAR_DIR, so the developer's database is never touched. Commands run as
subprocesses, exactly as a user types them; the API is served by gunicorn as `make serve` does.
Exit status: 1 if a target is missed or a step fails, 0 otherwise.
"""

import argparse
import csv
import http.client
import math
import multiprocessing
import os
import re
import resource
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from contextlib import closing
from pathlib import Path
from urllib.parse import urlsplit

import requests
from ami import bench_ami
from load import bench_load
from uploads import bench_uploads

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
OPENDATA = ROOT.parent / "shared" / "opendata"
GNU_TIME = Path("/usr/bin/time")

IPS = ("ips-ecoles", "fr-en-ips_ecoles_2021-2022.csv")
EFFECTIFS = ("effectifs-ecoles", "fr-en-ecoles-effectifs-nb_classes_035.csv")
ARCEP_DEBIT = ("arcep-debit", "arcep-mci-commune-debit-2019.csv")
ARCEP = ("arcep-communes", "arcep-communes-rurales-2018.csv")
ANNUAIRE = ("annuaire", "fr-en-annuaire-education_094.csv")
GEOLOC = ("geoloc", "fr-en-adresse-et-geolocalisation-colleges.csv")

SETUP_TARGET, SETUP_AGAIN_TARGET, IMPORT_TARGET, API_P95_TARGET = 60.0, 5.0, 10.0, 50.0
CLIENTS, REQUESTS_PER_CLIENT = 20, 100
SERVER_START_TIMEOUT = 60.0

TERRITORY_URLS = [
    "/api/v1/territories/commune/94028",
    "/api/v1/territories/departement/94",
    "/api/v1/territories/academie/24",
    "/api/v1/territories/region_academique/11",
    "/api/v1/territories/france/FR",
]
SCHOOL_LIST_URLS = [
    "/api/v1/schools?territory=departement:94&page=2",
    "/api/v1/schools?territory=commune:94028",
]
INDICATOR_URLS = [
    "/api/v1/indicators/population/values?level=departement",
    "/api/v1/indicators/ecoles/values?level=academie",
    "/api/v1/indicators/debit_30/values?level=commune&parent=departement:94",
    "/api/v1/indicators/ips_ecoles/values?level=etablissement&parent=commune:94028",
    "/api/v1/indicators/ips_ecoles",
]
SCHOOL_DETAIL_UAIS = ["0940176F"]  # + a few collèges read from the geolocation file
COLLEGES = 4

NAME_WIDTH = 46


class Bench:
    """One benchmark run: the scratch folder, the environment of the commands, the verdicts so far."""

    def __init__(self, var_dir):
        self.var_dir = var_dir
        self.env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "EDHUB_OPENDATA_DIR", "DEBUG")}
        self.env["EDHUB_VAR_DIR"] = str(var_dir)
        self.env["PYTHONUNBUFFERED"] = "1"
        self.missed = False
        self.set_up = False

    # -- output ------------------------------------------------------------------------------------------------

    def check(self, name, value, target, unit="s", note=""):
        """Print one figure against its (upper bound) target."""
        ok = value <= target
        self.missed |= not ok
        verdict = "OK" if ok else "MISSED"
        self.line(name, f"{_fmt(value, unit):>9}   target ≤ {_fmt(target, unit):<8} {verdict:<6}  {note}")

    def info(self, name, value, unit="s", note=""):
        """Print a figure that has no target."""
        self.line(name, f"{_fmt(value, unit):>9}   {'(no target)':<26}{note}")

    def fail(self, name, text):
        self.missed = True
        self.line(name, f"FAILED: {text}")

    def line(self, name, text):
        print(f"{name:<{NAME_WIDTH}} {text}".rstrip(), flush=True)

    # -- commands ----------------------------------------------------------------------------------------------

    def edhub(self, *args):
        """Run `edhub ARGS` in the scratch environment: (seconds, peak RSS in MB, output). Raises on error. Its CPU
        time (user + system, its child processes included) is left in `self.cpu`."""
        rss_file = self.var_dir / "rss.txt"
        command = [str(BIN / "edhub"), *args]
        if GNU_TIME.exists():
            command = [str(GNU_TIME), "-f", "%M", "-o", str(rss_file), *command]
        cpu_before = _children_cpu()
        start = time.perf_counter()
        done = subprocess.run(command, cwd=ROOT, env=self.env, capture_output=True, text=True)
        seconds = time.perf_counter() - start
        self.cpu = _children_cpu() - cpu_before
        output = done.stdout + done.stderr
        if done.returncode != 0:
            raise StepFailed(f"`edhub {' '.join(args)}` exited with {done.returncode}:\n{_tail(output)}")
        if GNU_TIME.exists():
            rss_mb = int(rss_file.read_text().split()[-1]) / 1024
        else:  # the largest child so far, not only this one: an upper bound
            rss_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        return seconds, rss_mb, output

    def ensure_setup(self):
        if not self.set_up:
            print("… preparing the scratch database: edhub setup")
            self.edhub("setup")
            self.set_up = True

    def ensure_imported(self, source):
        slug, filename = source
        self.edhub("import", slug, str(OPENDATA / filename))  # skipped by checksum when already there


class StepFailed(Exception):
    pass


# -- 1. setup ----------------------------------------------------------------------------------------------------


def bench_setup(bench):
    seconds, rss, _ = bench.edhub("setup")
    bench.set_up = True
    bench.check("setup (national geography, fresh)", seconds, SETUP_TARGET, note=f"peak RSS {rss:.0f} MB")
    seconds, _, output = bench.edhub("setup")
    bench.check("setup (again, same database)", seconds, SETUP_AGAIN_TARGET)
    if "déjà à jour" not in output:
        bench.fail("setup (again, same database)", "the geography was loaded again instead of being skipped")


# -- 2. imports --------------------------------------------------------------------------------------------------


IMPORTED_FILES = (  # in the order they are best imported (the directory first), with what each holds
    (ANNUAIRE, "614 établissements du 94"),
    (GEOLOC, "7.7k collèges"),
    (IPS, "32k écoles"),
    (EFFECTIFS, "2.7k écoles × rentrées"),
    (ARCEP, "35k communes"),
    (ARCEP_DEBIT, "35k communes"),
)
# How pandas reads each file as it is (its separator, the title lines above the header): the plain load.
PLAIN_READ = {ARCEP: {"sep": ",", "skiprows": 4}, ARCEP_DEBIT: {"sep": ";", "skiprows": 1}}
PLAIN_LOAD_SCRIPT = """
import sys, time
start = time.perf_counter()
path, database, sep, skiprows, runs = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
import sqlite3
import pandas
imported = time.perf_counter()
loads = []
for _ in range(runs):
    began, began_cpu = time.perf_counter(), time.process_time()
    frame = pandas.read_csv(path, sep=sep, skiprows=skiprows, dtype=str, encoding="utf-8-sig")
    with sqlite3.connect(database) as connection:
        frame.to_sql("bench_plain_load", connection, if_exists="replace", index=False)
    loads.append((time.process_time() - began_cpu, time.perf_counter() - began))
    with sqlite3.connect(database) as connection:
        connection.execute("DROP TABLE bench_plain_load")
cpu, wall = sorted(loads)[len(loads) // 2]
print(len(frame), wall, cpu, imported - start)
"""
STARTUP_TARGET, IMPORT_RATIO_TARGET, STARTUP_RUNS, PLAIN_RUNS, IMPORT_RUNS = 0.5, 5.0, 5, 3, 3


def bench_imports(bench):
    """Each real file imported by `edhub import`, beside the plain load of the same file into the same database in
    the same run (pandas read_csv, every column as text, then to_sql; median of 3): edhub's time (median of 3 imports,
    each into the database as it was before) without its start-up (that of the same command when the file is skipped
    by checksum: Django, the command's imports, nothing read; median of 3) over the plain load's (without the
    interpreter's and pandas' start), target ≤ 5×. Ratio and start-ups are CPU times (user + system, of every
    process): on a machine other work keeps busy, wall times say more about the others than about edhub; wall times
    are printed beside them."""
    bench.ensure_setup()
    startups = []
    for _ in range(STARTUP_RUNS):
        startups.append((bench.edhub("--version")[0], bench.cpu))
    cpus, walls = sorted(cpu for _, cpu in startups), sorted(seconds for seconds, _ in startups)
    cpu = _median(cpus)
    note = f"fresh process, median of {STARTUP_RUNS} (CPU from {cpus[0]:.2f} to {cpus[-1]:.2f} s); wall "
    note += f"{_median(walls):.2f} s (from {walls[0]:.2f} to {walls[-1]:.2f})"
    bench.check("edhub start-up (`edhub --version`, CPU)", cpu, STARTUP_TARGET, note=note)
    for source, label in IMPORTED_FILES:
        slug, filename = source
        path = OPENDATA / filename
        rows, plain, plain_cpu, pandas_start = _plain_load(bench, path, **PLAIN_READ.get(source, {}))
        args = ("import", slug, str(path))
        seconds, rss, cpu, cpus = _first_import(bench, args)
        note = f"wall, peak RSS {rss:.0f} MB; CPU of the {IMPORT_RUNS} imports {' '.join(f'{c:.2f}' for c in cpus)} s"
        bench.check(f"import {slug} ({label})", seconds, IMPORT_TARGET, note=note)
        again = []
        for _ in range(3):
            again.append((*bench.edhub(*args), bench.cpu))
        if any("déjà importé" not in output for _, _, output, _ in again):
            bench.fail(f"  {slug}: same file again", "NOT skipped by checksum: imported again")
        startup, startup_cpu = _median([seconds for seconds, *_ in again]), _median([c for *_, c in again])
        note = (
            f"CPU: edhub {cpu - startup_cpu:.2f} s ({cpu:.2f} - start-up {startup_cpu:.2f}), pandas read_csv + "
            f"to_sql of the {rows} rows {plain_cpu:.3f} s; wall: edhub {seconds - startup:.2f} s, pandas "
            f"{plain:.3f} s (+ {pandas_start:.2f} s to import pandas)"
        )
        ratio = (cpu - startup_cpu) / plain_cpu
        bench.check("  validating import / plain load (CPU)", ratio, IMPORT_RATIO_TARGET, unit="×", note=note)
        note = f"wall {startup:.2f} s"
        bench.check("  start-up (same file again: skipped, CPU)", startup_cpu, STARTUP_TARGET, note=note)
        seconds, rss, _ = bench.edhub(*args, "--force")
        note = f"wall; CPU {(bench.cpu - startup_cpu) / plain_cpu:.1f}× the plain load, peak RSS {rss:.0f} MB"
        bench.info("  same file again, --force (values compared)", seconds, note=note)


def _first_import(bench, args):
    """(wall seconds, peak RSS, CPU seconds, every run's CPU) of `edhub ARGS`, the import of a file not imported yet:
    the run of median CPU of IMPORT_RUNS, each on the database as it was before (a copy put back), as the start-up
    it is compared with is a median too: one run's CPU varies by a tenth of a second with the machine's other work,
    as much as the import of a small file costs."""
    files = [bench.var_dir / f"edhub.sqlite3{suffix}" for suffix in ("", "-wal", "-shm")]
    saved = {file: file.with_name(f"before-import-{file.name}") for file in files if file.exists()}
    for file, copy in saved.items():
        shutil.copyfile(file, copy)
    runs = []
    for attempt in range(IMPORT_RUNS):
        if attempt:
            for file in files:
                if file in saved:
                    shutil.copyfile(saved[file], file)
                else:
                    file.unlink(missing_ok=True)
        seconds, rss, _ = bench.edhub(*args)
        runs.append((bench.cpu, seconds, rss))
    for copy in saved.values():
        copy.unlink()
    cpu, seconds, rss = sorted(runs)[len(runs) // 2]
    return seconds, rss, cpu, [c for c, _, _ in runs]


def _median(values):
    return sorted(values)[len(values) // 2]


def _plain_load(bench, path, sep=";", skiprows=0):
    """(rows, seconds and CPU seconds of read_csv + to_sql, the median of PLAIN_RUNS, seconds to import pandas) for
    `path` loaded into the scratch database."""
    command = [str(BIN / "python"), "-c", PLAIN_LOAD_SCRIPT, str(path), str(bench.var_dir / "edhub.sqlite3")]
    done = subprocess.run([*command, sep, str(skiprows), str(PLAIN_RUNS)], capture_output=True, text=True)
    if done.returncode != 0:
        raise StepFailed(f"plain load of {path.name} failed:\n{_tail(done.stderr)}")
    rows, seconds, cpu, pandas_start = done.stdout.split()
    return int(rows), float(seconds), float(cpu), float(pandas_start)


# -- 3. API ------------------------------------------------------------------------------------------------------


def bench_api(bench):
    bench.ensure_setup()
    print("… preparing the scratch database: imports (IPS, Arcep ×2, annuaire 094, collèges), indicators")
    for source in (IPS, ARCEP, ANNUAIRE, GEOLOC, ARCEP_DEBIT):
        bench.ensure_imported(source)
    bench.edhub("compute")
    families = {
        "indicator values": INDICATOR_URLS,
        "territory": TERRITORY_URLS,
        "school list": SCHOOL_LIST_URLS,
        "school detail": [f"/api/v1/schools/{uai}" for uai in SCHOOL_DETAIL_UAIS + college_uais(COLLEGES)],
    }
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    log_path = bench.var_dir / "gunicorn.log"
    with open(log_path, "w") as log:
        server = subprocess.Popen(
            [str(BIN / "gunicorn"), "edhub.wsgi", "--config", str(ROOT / "gunicorn.conf.py")],
            cwd=ROOT,
            env={**bench.env, "PORT": str(port)},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        _wait_until_up(server, base, log_path)
        available = {}
        cold = []
        for family, paths in families.items():
            first = _load([(family, base + path) for path in paths], 1, len(paths))
            cold.extend(first)
            statuses = [status for _, _, status, _ in first]
            # An endpoint not written yet answers 404 for every URL of its family.
            if all(status == 404 for status in statuses):
                bench.line(f"API {family}", "not available yet (404)")
            else:
                available[family] = paths
        if not available:
            return
        urls = [(family, base + path) for family, paths in available.items() for path in paths]
        _load(urls, CLIENTS, 5)  # warm-up: every worker opens its database connection and imports its code
        alone = _load(urls, 1, 10 * len(urls))  # one client: the time a request costs without queueing
        start = time.perf_counter()
        results = _load(urls, CLIENTS, REQUESTS_PER_CLIENT)
        wall = time.perf_counter() - start
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
    uncached = ", ".join(f"{family} max {_ms(cold, family)[-1]:.0f} ms" for family in available)
    print(f"… API, first request of each URL (computed, not cached): {uncached}")
    solo = ", ".join(f"{family} {_percentile(_ms(alone, family), 50):.0f} ms" for family in available)
    print(f"… API, one client alone, p50: {solo}")
    print(f"… API under load: {len(results)} requests from {CLIENTS} clients, {len(results) / wall:.0f} requests/s")
    for family in [*available, "overall"]:
        rows = [r for r in results if family in (r[0], "overall")]
        name = f"API {family} p95"
        errors = sorted({f"{status} {url}" for _, url, status, _ in rows if status != 200})
        if errors:
            bench.fail(name, "non-200 answers: " + "; ".join(errors[:5]))
            continue
        times = _ms(rows)
        p50, p95, worst = _percentile(times, 50), _percentile(times, 95), times[-1]
        note = f"p50 {p50:.0f} ms, max {worst:.0f} ms, n={len(rows)}, all 200"
        bench.check(name, p95, API_P95_TARGET, unit="ms", note=note)


def college_uais(count):
    """A few open collèges of metropolitan France, spread over the geolocation file."""
    with open(OPENDATA / GEOLOC[1], encoding="utf-8-sig", newline="") as handle:
        uais = [
            row["numero_uai"]
            for row in csv.DictReader(handle, delimiter=";")
            if row["etat_etablissement_libe"] == "OUVERT" and not row["code_commune"].startswith(("97", "98"))
        ]
    step = len(uais) // (count + 1)
    return [uais[step * (i + 1)] for i in range(count)]


# -- 4. indicators -----------------------------------------------------------------------------------------------

COMPUTE_TARGET, COMPUTE_DEPARTEMENT_TARGET = 60.0, 5.0
CHANGED_ECOLES = 40  # écoles of Ille-et-Vilaine whose pupils of rentrée 2021 (that of the IPS) change


def bench_compute(bench):
    bench.ensure_setup()
    print("… preparing the scratch database: imports (annuaire 094, collèges, IPS, effectifs 035, Arcep ×2)")
    for source in (ANNUAIRE, GEOLOC, IPS, EFFECTIFS, ARCEP, ARCEP_DEBIT):
        bench.ensure_imported(source)
    # From nothing: other benchmarks of the same scratch database may have computed indicators already.
    bench.edhub(
        "shell",
        "-c",
        "from edhub.indicators.models import IndicatorState, IndicatorValue; "
        "IndicatorValue.objects.all().delete(); IndicatorState.objects.all().delete()",
    )
    seconds, rss, output = bench.edhub("compute")
    name = "compute (national: every indicator, level)"
    bench.check(name, seconds, COMPUTE_TARGET, note=f"{_computed(output)}, peak RSS {rss:.0f} MB")
    seconds, _, output = bench.edhub("compute")
    bench.info("  again, nothing imported since", seconds, note=_computed(output))
    if " 0 calculés" not in output:
        bench.fail("  again, nothing imported since", "indicators were computed again")
    seconds, rss, output = bench.edhub("compute", "--force")
    bench.info("  again, --force (every value compared)", seconds, note=f"{_computed(output)}, peak RSS {rss:.0f} MB")
    # One département's data change: Ille-et-Vilaine's pupils file, imported again with different counts.
    bench.edhub("import", EFFECTIFS[0], str(_changed_effectifs(bench.var_dir / "effectifs-035-modifie.csv")))
    seconds, rss, output = bench.edhub("compute", "--territory", "departement:35")
    name = "compute after one département's change (35)"
    bench.check(name, seconds, COMPUTE_DEPARTEMENT_TARGET, note=f"{_computed(output)}, peak RSS {rss:.0f} MB")
    if " 0 modifiées" in output:
        bench.fail(name, "the change of the pupils changed no value")


# -- 5. local inventories ----------------------------------------------------------------------------------------

INVENTORY_ROWS = 10_000
AGENT_PASSWORD = "banc-d-essai-edhub-2026"


def bench_inventories(bench):
    """An upload of 10,000 rows through the web pages, analysed by the background worker, then one département's
    upload and the recomputation of its indicators, as `edhub compute --territory` does it."""
    bench.ensure_setup()
    print("… preparing the scratch database: imports (annuaire 094, collèges, IPS), indicators, two agents")
    for source in (ANNUAIRE, GEOLOC, IPS):
        bench.ensure_imported(source)
    bench.edhub("compute")
    bench.edhub("agent", "banc-national", "--role", "national", "--password", AGENT_PASSWORD)
    bench.edhub(
        "agent", "banc-94", "--role", "departement", "--territory", "departement:94", "--password", AGENT_PASSWORD
    )
    colleges = _public_colleges("094")
    with _server(bench) as base:
        national = _agent_session(base, "banc-national")
        header = national.get(f"{base}/inventaires/modele.csv").content.decode("utf-8-sig").splitlines()[0]
        big = _inventory_file(bench.var_dir / "inventaire-national.csv", header, _ips_ecoles(INVENTORY_ROWS))
        small = _inventory_file(bench.var_dir / "inventaire-94.csv", header, colleges)
        upload_url = _upload(national, base, big)
        seconds, _, output = bench.edhub("db_worker", "--batch", "--no-startup-delay")
        state = _upload_state(national, upload_url)
        name = f"upload of {INVENTORY_ROWS} rows: analysis (worker)"
        bench.info(name, seconds, note=state)
        if int(re.sub(r"\D", "", state.split(",")[-1]) or 0) < 0.99 * INVENTORY_ROWS:
            bench.fail(name, f"unexpected analysis: {state}")
        _publish(national, upload_url)
        seconds, rss, _ = bench.edhub("db_worker", "--batch", "--no-startup-delay")
        bench.info("  publication: national recompute (worker)", seconds, note=f"peak RSS {rss:.0f} MB")

        departement = _agent_session(base, "banc-94")
        upload_url = _upload(departement, base, small)
        _publish(departement, upload_url)
    seconds, rss, output = bench.edhub("compute", "--territory", "departement:94")
    name = f"compute after one département's upload (94, {len(colleges)} collèges)"
    done = _computed(output)
    bench.check(name, seconds, COMPUTE_DEPARTEMENT_TARGET, note=f"{done}, peak RSS {rss:.0f} MB")
    if "; 0 créées, 0 modifiées" in done:
        bench.fail(name, "the upload changed no value")


def _public_colleges(departement):
    """The open public collèges of a département (code as in the geolocation file, e.g. "094")."""
    with open(OPENDATA / GEOLOC[1], encoding="utf-8-sig", newline="") as handle:
        return [
            row["numero_uai"]
            for row in csv.DictReader(handle, delimiter=";")
            if row["code_departement"] == departement
            and row["secteur_public_prive_libe"] == "Public"
            and row["etat_etablissement_libe"] == "OUVERT"
        ]


def _ips_ecoles(count):
    with open(OPENDATA / IPS[1], encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle, delimiter=";")
        header = next(reader)
        column = header.index("UAI")
        return [row[column] for _, row in zip(range(count), reader, strict=False)]


def _inventory_file(path, header, uais):
    """A filled-in template (`header`: its first line): every school with plausible, consistent values."""
    lines = [header]
    for n, uai in enumerate(uais):
        classes = 4 + n % 9
        values = [uai, "", "", "2025", 25 * classes, classes, n % 12, n % 30, classes, n % 3]
        values += [classes - n % 2] * 7 + ["oui", "oui", "oui", "non" if n % 4 else "oui"]
        values += ["fibre" if n % 3 else "cuivre", 8 + n % 300, 1 + n % 50, "oui", "ENT"]
        lines.append(";".join(str(value) for value in values))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


class _server:
    """gunicorn serving the scratch database, as `make serve` does (the worker is run separately, in batches)."""

    def __init__(self, bench):
        self.bench = bench

    def __enter__(self):
        port = _free_port()
        self.base = f"http://127.0.0.1:{port}"
        log_path = self.bench.var_dir / "gunicorn-inventories.log"
        with open(log_path, "w") as log:
            self.process = subprocess.Popen(
                [str(BIN / "gunicorn"), "edhub.wsgi", "--config", str(ROOT / "gunicorn.conf.py")],
                cwd=ROOT,
                env={**self.bench.env, "PORT": str(port)},
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        _wait_until_up(self.process, self.base, log_path)
        return self.base

    def __exit__(self, *exc):
        os.killpg(self.process.pid, signal.SIGTERM)
        self.process.wait(timeout=10)


def _agent_session(base, username):
    session = _session()
    session.get(f"{base}/compte/connexion/")
    response = session.post(
        f"{base}/compte/connexion/",
        data={"username": username, "password": AGENT_PASSWORD, "csrfmiddlewaretoken": session.cookies["csrftoken"]},
        headers={"Referer": base},
    )
    if not response.url.endswith("/inventaires/"):
        raise StepFailed(f"login of {username} failed ({response.status_code} {response.url})")
    return session


def _upload(session, base, path):
    with open(path, "rb") as handle:
        response = session.post(
            f"{base}/inventaires/",
            files={"file": (path.name, handle, "text/csv")},
            data={"csrfmiddlewaretoken": session.cookies["csrftoken"]},
            headers={"Referer": base},
        )
    if "/inventaires/depots/" not in response.url:
        raise StepFailed(f"upload of {path.name} refused ({response.status_code})")
    return response.url


def _upload_state(session, url):
    text = session.get(url).text
    found = re.search(r'<strong id="rows-valid">([^<]+)</strong>', text)
    status = re.search(r'<dd id="upload-status">([^<]+)</dd>', text)
    return f"{status.group(1).strip() if status else '?'}, {found.group(1).strip() if found else 'no preview'}"


def _publish(session, url):
    response = session.post(
        f"{url}publish/", data={"csrfmiddlewaretoken": session.cookies["csrftoken"]}, headers={"Referer": url}
    )
    if "Publié" not in _upload_state(session, response.url):
        raise StepFailed(f"publication failed: {_upload_state(session, response.url)}")


# -- 6. national map ---------------------------------------------------------------------------------------------

MAP_BYTES_TARGET, MAP_RENDER_TARGET, MAP_SWITCH_TARGET = 4.0, 2.5, 0.3  # MB, s, s
MAP_URL = "/carte/?level=commune&method=quantiles"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def bench_map(bench):
    """The national map at commune level in headless Chromium, served by gunicorn on loopback: the data transferred
    until its first complete render, the time of that render (the page's "map-ready" mark), and the switch to
    another indicator (from the choice to the next complete render)."""
    from playwright.sync_api import sync_playwright

    bench.ensure_setup()
    print("… preparing the scratch database: imports, indicators, static files (as make run)")
    for source in (ANNUAIRE, GEOLOC, IPS, ARCEP_DEBIT):
        bench.ensure_imported(source)
    bench.edhub("compute")
    bench.edhub("collectstatic", "--noinput")
    with _server(bench) as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            loads = [_map_load(browser, base) for _ in range(3)]  # the first one fills the server's caches
        finally:
            browser.close()
    first, *warm = loads
    bench.info("map, first load (server caches empty)", first["ready"], note=f"{first['bytes'] / 1e6:.2f} MB")
    best = min(warm, key=lambda load: load["ready"])
    detail = ", ".join(f"{name} {size / 1e6:.2f} MB" for name, size in best["largest"])
    bench.check("map, data transferred for the first render", best["bytes"] / 1e6, MAP_BYTES_TARGET, "MB", detail)
    bench.check("map, first complete render (communes of France)", best["ready"], MAP_RENDER_TARGET)
    switches = sorted(seconds for load in warm for seconds in load["switches"])
    bench.check(
        "map, indicator switch (median)",
        switches[len(switches) // 2],
        MAP_SWITCH_TARGET,
        note=f"{len(switches)} switches, from {switches[0]:.2f} to {switches[-1]:.2f} s",
    )


SWITCH_SCRIPT = """async (slug) => {
  const select = document.getElementById("map-indicator");
  select.value = slug;
  const start = performance.now();
  select.dispatchEvent(new Event("change"));
  await new Promise((resolve) => {
    const check = () => (document.body.dataset.mapReady === "1" ? resolve() : requestAnimationFrame(check));
    check();
  });
  return performance.getEntriesByName("map-ready").at(-1).startTime - start;
}"""


def _map_load(browser, base):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(base + MAP_URL)
    page.wait_for_selector("body[data-map-ready='1']", timeout=120_000)
    ready = page.evaluate("performance.getEntriesByName('map-ready')[0].startTime") / 1000
    resources = page.evaluate(
        "performance.getEntriesByType('resource').filter(e => e.responseEnd <= performance.getEntriesByName("
        "'map-ready')[0].startTime).map(e => [e.name.split('/').pop().split('?')[0], e.transferSize])"
    )
    document = page.evaluate("performance.getEntriesByType('navigation')[0].transferSize")
    options = page.evaluate(
        "[...document.getElementById('map-indicator').options].filter(o => !o.disabled).map(o => o.value)"
    )
    # Measured in the page, from the choice of the indicator to the next complete render (a round trip of the
    # benchmark driver would add its own latency to the figure).
    switches = [page.evaluate(SWITCH_SCRIPT, slug) / 1000 for slug in options[1:4]]
    context.close()
    return {
        "ready": ready,
        "bytes": document + sum(size for _, size in resources),
        "largest": sorted(resources, key=lambda item: -item[1])[:3],
        "switches": switches,
    }


# -- 7. map tiles ------------------------------------------------------------------------------------------------

COLD_TILE_P95_TARGET, EMPTY_TILE_P95_TARGET = 1.0, 50.0  # s, ms
MAINLAND = (-5.3, 41.3, 9.7, 51.2)  # west, south, east, north: where the national map opens
TILE_ZOOMS = range(9)  # the zooms of the national map's commune tiles (deeper, it enlarges those of zoom 8)


def bench_tiles(bench):
    """`edhub tiles` cuts every commune tile of the national map into one archive (its time, memory and size); then
    gunicorn, started afresh as `make serve` does, is asked once for every tile holding a commune (those of every
    commune-level view, mainland and overseas), none requested before, one at a time: p95 against 1 s. The tiles
    of the sea around mainland France hold no commune and must answer at once (204): p95 against 50 ms."""
    bench.ensure_setup()
    seconds, rss, output = bench.edhub("tiles", "-v0")
    archive = max((bench.var_dir / "tiles").glob("commune-*.mbtiles"), default=None)
    name = "tiles: every commune tile cut (zooms 0-8)"
    if archive is None:
        bench.fail(name, f"no archive written: {_tail(output)}")
        return
    size = archive.stat().st_size / 1e6
    bench.info(name, seconds, note=f"{_tail(output, 1).rstrip('.')}; peak RSS {rss:.0f} MB")
    seconds, _, output = bench.edhub("tiles", "-v0")
    bench.info("  again, same geography", seconds, note="kept" if "déjà prêtes" in output else "CUT AGAIN")
    with closing(sqlite3.connect(archive)) as database:
        rows = database.execute("SELECT zoom_level, tile_column, tile_row FROM tiles").fetchall()
    stored = [(z, x, 2**z - 1 - row) for z, x, row in rows]  # MBTiles count rows from the south
    sea = sorted(set(_mainland_tiles()) - set(stored))
    with _server(bench) as base:
        full = _get_tiles(base, stored)
        empty = _get_tiles(base, sea)
    name = f"tiles: cold commune tile p95 ({len(stored)} tiles, {size:.1f} MB)"
    wrong = sorted({f"{status} {tile}" for tile, status, _ in full if status != 200})
    if wrong:
        bench.fail(name, "answers other than 200: " + "; ".join(wrong[:5]))
    else:
        times = sorted(seconds for _, _, seconds in full)
        slowest = "/".join(map(str, max(full, key=lambda answer: answer[2])[0]))
        note = f"p50 {_percentile(times, 50) * 1000:.0f} ms, max {times[-1] * 1000:.0f} ms (tile {slowest})"
        bench.check(name, _percentile(times, 95), COLD_TILE_P95_TARGET, note=note)
    name = f"tiles: empty tile p95 ({len(sea)} tiles of the sea)"
    wrong = sorted({f"{status} {tile}" for tile, status, _ in empty if status != 204})
    if wrong:
        bench.fail(name, "answers other than 204: " + "; ".join(wrong[:5]))
    else:
        times = sorted(seconds * 1000 for _, _, seconds in empty)
        bench.check(name, _percentile(times, 95), EMPTY_TILE_P95_TARGET, unit="ms", note=f"max {times[-1]:.0f} ms")


def _mainland_tiles():
    """Every (z, x, y) over mainland France's bounding box, sea included."""
    west, south, east, north = MAINLAND
    found = []
    for z in TILE_ZOOMS:
        (x0, y0), (x1, y1) = _tile_of(west, north, z), _tile_of(east, south, z)
        found += [(z, x, y) for x in range(x0, x1 + 1) for y in range(y0, y1 + 1)]
    return found


def _tile_of(lon, lat, z):
    """The (x, y) of the Web Mercator tile of zoom z holding a point."""
    y = (1 - math.log(math.tan(math.radians(lat)) + 1 / math.cos(math.radians(lat))) / math.pi) / 2
    return int((lon + 180) / 360 * 2**z), int(y * 2**z)


def _get_tiles(base, tiles):
    """[(tile, status, seconds)]: each tile requested once, in turn, on one keep-alive connection, as gzip."""
    parsed = urlsplit(base)
    connection = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=60)
    answers = []
    try:
        for z, x, y in tiles:
            start = time.perf_counter()
            connection.request("GET", f"/api/v1/tiles/commune/{z}/{x}/{y}.mvt", headers={"Accept-Encoding": "gzip"})
            response = connection.getresponse()
            response.read()
            answers.append(((z, x, y), response.status, time.perf_counter() - start))
    finally:
        connection.close()
    return answers


def _changed_effectifs(path):
    """A copy of the pupils file of Ille-et-Vilaine where a few écoles have 3 more élémentaire pupils in 2021."""
    with open(OPENDATA / EFFECTIFS[1], encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle, delimiter=";"))
    header, changed = rows[0], 0
    rentree, total = header.index("Rentrée scolaire"), header.index("Nombre total d'élèves")
    elementaire = header.index("Nombre d'élèves en élémentaire hors ULIS")
    for row in rows[1:]:
        if row[rentree] == "2021" and int(row[elementaire]) > 0 and changed < CHANGED_ECOLES:
            row[total], row[elementaire] = str(int(row[total]) + 3), str(int(row[elementaire]) + 3)
            changed += 1
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        csv.writer(handle, delimiter=";", lineterminator="\r\n").writerows(rows)
    return path


def _computed(output):
    """What `edhub compute` says it did, shortened: "43 calculés, 0 à jour; 1023214 créées, 0 modifiées…"."""
    summary = next((line for line in output.splitlines() if line.startswith("Indicateurs : ")), "")
    return summary.removeprefix("Indicateurs : ").replace(" (sources inchangées). Valeurs :", ";").rstrip(".")


def _load(urls, clients, per_client):
    """`clients` processes, each with one keep-alive connection, each doing `per_client` GETs over `urls`, all
    starting together. Returns (family, url, status, seconds) for every request.

    Processes, not threads, and the bare http.client: the load generator must not be what is measured (20
    threads of `requests` in one interpreter cost more CPU than the server they load)."""
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(clients)
    queue = context.SimpleQueue()
    processes = [
        context.Process(target=_client, args=(urls, index, per_client, barrier, queue)) for index in range(clients)
    ]
    for process in processes:
        process.start()
    results = [row for _ in processes for row in queue.get()]
    for process in processes:
        process.join()
    return results


def _client(urls, index, per_client, barrier, queue):
    parsed = urlsplit(urls[0][1])
    connection = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=30)
    rows = []
    barrier.wait()
    for i in range(per_client):
        family, url = urls[(index + i) % len(urls)]
        connection, status, seconds = _get(connection, url)
        rows.append((family, url, status, seconds))
    connection.close()
    queue.put(rows)


def _get(connection, url):
    """GET `url` on the kept-alive `connection`: (the connection to use next, the status or the error's name, the
    seconds the answer took). A broken connection is replaced by a new one."""
    target = urlsplit(url)
    path = target.path + (f"?{target.query}" if target.query else "")
    start = time.perf_counter()
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
        status = response.status
    except (OSError, http.client.HTTPException) as error:
        status = type(error).__name__
        connection.close()
        connection = http.client.HTTPConnection(target.hostname, target.port, timeout=30)
    return connection, status, time.perf_counter() - start


def _session():
    session = requests.Session()
    session.trust_env = False  # loopback only: never through a proxy from the environment
    return session


def _wait_until_up(server, base, log_path):
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise StepFailed(f"gunicorn exited with {server.returncode}:\n{_tail(log_path.read_text())}")
        try:
            if _session().get(base + "/api/v1/", timeout=2).status_code < 500:
                return
        except requests.RequestException:  # not listening yet, or still booting
            pass
        time.sleep(0.2)
    raise StepFailed(f"gunicorn did not answer within {SERVER_START_TIMEOUT:.0f} s:\n{_tail(log_path.read_text())}")


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# -- helpers -----------------------------------------------------------------------------------------------------


def _children_cpu():
    """CPU seconds (user + system) of the child processes waited for so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _ms(results, family="overall"):
    """The sorted durations, in milliseconds, of the requests of one family (or of all of them)."""
    return sorted(seconds * 1000 for kind, _, _, seconds in results if family in (kind, "overall"))


def _percentile(sorted_values, p):
    """Nearest-rank percentile of an already sorted list."""
    return sorted_values[max(0, math.ceil(p / 100 * len(sorted_values)) - 1)]


def _fmt(value, unit):
    decimals = 2 if unit == "s" and value < 1 else {"s": 1, "MB": 2, "×": 1}.get(unit, 0)
    return f"{value:.{decimals}f} {unit}"


def _tail(text, lines=15):
    return "\n".join(text.strip().splitlines()[-lines:])


BENCHMARKS = {
    "setup": bench_setup,
    "imports": bench_imports,
    "api": bench_api,
    "compute": bench_compute,
    "inventories": bench_inventories,
    "map": bench_map,
    "tiles": bench_tiles,
    "ami": bench_ami,
    "uploads": bench_uploads,
    "load": bench_load,
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", action="append", choices=BENCHMARKS, help="Run only this benchmark (repeatable).")
    options = parser.parse_args()
    missing = [f for _, f in (IPS, ARCEP, ANNUAIRE, GEOLOC) if not (OPENDATA / f).is_file()]
    if missing:
        sys.exit(f"Missing open-data files in {OPENDATA}: {', '.join(missing)}")
    var_dir = Path(tempfile.mkdtemp(prefix="edhub-bench-"))
    bench = Bench(var_dir)
    print(f"edhub benchmarks — data {OPENDATA}, scratch folder {var_dir}")
    # Other work on the machine slows every figure down: say how busy it was.
    print(f"… {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at start")
    try:
        for name, function in BENCHMARKS.items():
            if options.only and name not in options.only:
                continue
            try:
                function(bench)
            except StepFailed as error:
                bench.fail(name, str(error))
    finally:
        shutil.rmtree(var_dir, ignore_errors=True)
    print("All targets met." if not bench.missed else "Some targets missed (see above).")
    return 1 if bench.missed else 0


if __name__ == "__main__":
    sys.exit(main())

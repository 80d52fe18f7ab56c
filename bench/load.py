"""Benchmark of the public pages and the API under load: 20 clients for 60 s, p95 against 300 ms, no error.

Registered in bench/run.py as "load". The scratch database is prepared as `make data` does it (edhub setup, the
real extracts fetched and imported, indicators computed, the demonstration data with its published AMI results),
gunicorn is started as `make serve` does (gunicorn.conf.py). The URL mix: home, territory sheets of every level,
school pages, search, comparison, the published results of a call, and the API's endpoints of bench "api".

Each URL is first requested once, by one client (its uncached time, printed). Then the measured run: 20 clients
paced to 41 requests/s in total (the audit's load: each client sends a request every 20/41 s, or at once when it
is late), for 60 s; p50, p95, p99 and errors are printed per page family and overall, the overall p95 against
300 ms, errors against 0. Then, for information, the same clients unpaced (each sends its next request as soon as
the previous answer is in): the throughput the server holds. Last, for information too, the paced run again just
after a new import (the directory of the 94 imported again): a new data version, every cache stale at once.

Clients are processes with the bare http.client, as bench "api" does: the load generator must not be what is
measured. A request's time runs from its sending to the end of its answer.
"""

import http.client
import multiprocessing
import re
import time
from urllib.parse import urlsplit

CLIENTS, RATE, DURATION = 20, 41.0, 60.0  # clients, requests/s in total (paced run), seconds per run
P95_TARGET, ERRORS_TARGET = 300.0, 0  # ms, requests

PAGES = {
    "home": ["/"],
    "territory": [
        "/territoires/france/FR/",
        "/territoires/region_academique/11/",
        "/territoires/academie/24/",
        "/territoires/departement/94/",
        "/territoires/departement/35/",
        "/territoires/commune/94028/",
        "/territoires/commune/35238/",
        "/territoires/commune/75056/",
    ],
    "search": ["/recherche/?q=creteil", "/recherche/?q=jean+jaures", "/recherche/?q=rennes"],
    "compare": [
        "/comparer/?t=departement:94&t=departement:93&t=academie:24",
        "/comparer/?t=commune:94028&t=commune:35238",
        "/comparer/?t=region_academique:11&t=france:FR&t=departement:35",
    ],
}


def bench_load(bench):
    from run import (
        ANNUAIRE,
        COLLEGES,
        INDICATOR_URLS,
        OPENDATA,
        SCHOOL_DETAIL_UAIS,
        SCHOOL_LIST_URLS,
        TERRITORY_URLS,
        _ms,
        _percentile,
        _server,
        college_uais,
    )

    bench.ensure_setup()
    print("… preparing the scratch database as `make data`: fetch, import --all, compute, demo")
    bench.edhub("fetch", "--from", str(OPENDATA), "-v0")
    bench.edhub("import", "--all", "-v0")
    bench.edhub("compute", "-v0")
    bench.edhub("demo")
    _, _, output = bench.edhub(
        "shell",
        "-c",
        "from edhub.ami.models import Campaign\n"
        "for pk in Campaign.objects.filter(results_published_at__isnull=False).values_list('pk', flat=True):\n"
        "    print('PUBLISHED', pk)",
    )
    uais = SCHOOL_DETAIL_UAIS + college_uais(COLLEGES)
    families = {
        **PAGES,
        "school": [f"/ecoles/{uai}/" for uai in uais],
        "AMI results": [f"/ami/{pk}/resultats/" for pk in re.findall(r"^PUBLISHED (\d+)$", output, re.M)],
        "API": TERRITORY_URLS + SCHOOL_LIST_URLS + INDICATOR_URLS + [f"/api/v1/schools/{uai}" for uai in uais],
    }
    if not families["AMI results"]:
        bench.fail("load: AMI results", "the demonstration data published no results")
        del families["AMI results"]
    with _server(bench) as base:
        urls = [(family, base + path) for family, paths in families.items() for path in paths]
        cold = _run(urls, 1, rate=None, duration=None)
        paced = _run(urls, CLIENTS, rate=RATE, duration=DURATION)
        unpaced = _run(urls, CLIENTS, rate=None, duration=DURATION)
        # A new import: a new data version, every cached page, figure and API answer stale at once.
        version = _data_version(bench)
        bench.edhub("import", ANNUAIRE[0], str(OPENDATA / ANNUAIRE[1]), "--force", "-v0")
        if _data_version(bench) == version:
            bench.fail("load: after a new import", f"the data version did not change ({version})")
        stale = _run(urls, CLIENTS, rate=RATE, duration=DURATION)

    first = ", ".join(f"{family} max {_ms(cold[0], family)[-1]:.0f} ms" for family in families)
    print(f"… first request of each URL ({len(urls)} URLs, one client, caches empty): {first}")
    for title, label, (results, wall), checked in (
        (f"paced, {RATE:.0f} requests/s in total", "paced", paced, True),
        ("unpaced, back-to-back", "unpaced", unpaced, False),
        (f"paced, {RATE:.0f} requests/s, just after a new import (caches stale)", "paced, after import", stale, False),
    ):
        print(f"… {CLIENTS} clients, {title}, {wall:.0f} s: {len(results)} requests, {len(results) / wall:.1f}/s")
        for family in families:
            rows = [row for row in results if row[0] == family]
            times = _ms(rows)
            if not times:
                continue
            errors = sum(1 for row in rows if row[2] != 200)
            note = (
                f"p50 {_percentile(times, 50):.0f} ms, p99 {_percentile(times, 99):.0f} ms, "
                f"{len(rows) / wall:.1f}/s, {errors} errors"
            )
            bench.info(f"  {family} p95", _percentile(times, 95), unit="ms", note=note)
        times = _ms(results)
        p50, p95, p99 = (_percentile(times, p) for p in (50, 95, 99))
        errors = sorted({f"{status} {url}" for _, url, status, _ in results if status != 200})
        error_count = sum(1 for row in results if row[2] != 200)
        note = f"p50 {p50:.0f} ms, p99 {p99:.0f} ms, max {times[-1]:.0f} ms, {len(results) / wall:.1f} requests/s"
        name = f"load, {CLIENTS} clients, {label}, p95"
        if checked:
            bench.check(name, p95, P95_TARGET, unit="ms", note=note)
            bench.check("  errors (non-200 answers)", error_count, ERRORS_TARGET, unit="", note="; ".join(errors[:3]))
        else:
            bench.info(name, p95, unit="ms", note=f"{note}, {error_count} errors")


def _data_version(bench):
    script = "from edhub.opendata.models import ImportRun; print(ImportRun.objects.data_version())"
    return bench.edhub("shell", "-c", script)[2].strip().splitlines()[-1]


def _run(urls, clients, rate, duration):
    """`clients` processes, each with one keep-alive connection, all starting together, each going through `urls`
    from its own offset: for `duration` seconds (paced to `rate` requests/s in total when given), or once through
    the URLs when `duration` is None. Returns ([(family, url, status, seconds)], wall seconds)."""
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(clients + 1)
    queue = context.SimpleQueue()
    interval = clients / rate if rate else 0.0
    processes = [
        context.Process(target=_client, args=(urls, index, clients, interval, duration, barrier, queue))
        for index in range(clients)
    ]
    for process in processes:
        process.start()
    barrier.wait()
    start = time.perf_counter()
    results = [row for _ in processes for row in queue.get()]
    wall = time.perf_counter() - start
    for process in processes:
        process.join()
    return results, wall


def _client(urls, index, clients, interval, duration, barrier, queue):
    from run import _get

    parsed = urlsplit(urls[0][1])
    connection = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=30)
    rows = []
    barrier.wait()
    start = time.perf_counter()
    # Clients spread over the URLs and, when paced, over the interval: the load is even, not in bursts.
    position = index * len(urls) // clients
    due = start + index * interval / clients
    count = 0
    while (count < len(urls)) if duration is None else (time.perf_counter() - start < duration):
        if interval:
            wait = due - time.perf_counter()
            if wait > 0:
                time.sleep(wait)
            due += interval
        family, url = urls[(position + count) % len(urls)]
        connection, status, seconds = _get(connection, url)
        rows.append((family, url, status, seconds))
        count += 1
    connection.close()
    queue.put(rows)

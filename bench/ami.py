"""Benchmark of the connectivity call (AMI): pre-identification over France, optimal selection of laureates.

Registered in bench/run.py as "ami". The pre-identification runs as `edhub ami_eligibles` in the scratch database
(national geography, IPS of écoles, Arcep 2019, annuaire 094); the figure is the time the command reports for the
pre-identification itself, the whole process (Django start-up included) is printed beside it. The selection runs
in-process on 2,000 generated applications: budget, 30 to 50 laureates, at most 2 per département.
"""

import random
import re
import time

PRE_IDENTIFICATION_TARGET, SELECTION_TARGET = 3.0, 5.0
APPLICATIONS, BUDGET, LAUREATES, CAP = 2_000, 3_000_000, (30, 50), 2
SOURCES = (
    ("ips-ecoles", "fr-en-ips_ecoles_2021-2022.csv"),
    ("arcep-debit", "arcep-mci-commune-debit-2019.csv"),
    ("annuaire", "fr-en-annuaire-education_094.csv"),
)


def bench_ami(bench):
    bench.ensure_setup()
    print("… preparing the scratch database: imports (IPS des écoles, Arcep 2019, annuaire 094)")
    for source in SOURCES:
        bench.ensure_imported(source)
    name = "AMI pre-identification (all communes of France)"
    process_seconds, rss, output = bench.edhub("ami_eligibles")
    found = re.search(r"^(\d+) communes éligibles sur (\d+) examinées .* en ([\d.]+) s\.$", output, re.M)
    if found is None:
        bench.fail(name, f"unexpected output: {output.strip()[:200]}")
    else:
        eligible, examined, seconds = int(found[1]), int(found[2]), float(found[3])
        note = f"{eligible} eligible of {examined}; whole command {process_seconds:.1f} s, peak RSS {rss:.0f} MB"
        bench.check(name, seconds, PRE_IDENTIFICATION_TARGET, note=note)
        if examined < 34_000 or eligible == 0:
            bench.fail(name, "the communes of France were not all examined, or none is eligible")

    from edhub.ami.selection import Candidate, Constraints, compare

    rng = random.Random(2026)
    departements = [f"{n:02d}" for n in range(1, 96) if n != 20] + ["2A", "2B"]
    candidates = [
        Candidate(
            f"dossier-{i:04d}",
            round(rng.uniform(20, 100), 1),
            rng.randrange(20_000, 150_001, 500),
            rng.choice(departements),
        )
        for i in range(APPLICATIONS)
    ]
    constraints = Constraints(budget=BUDGET, laureates_min=LAUREATES[0], laureates_max=LAUREATES[1], cap=CAP)
    start = time.perf_counter()
    result = compare(candidates, constraints)
    seconds = time.perf_counter() - start
    name = f"AMI optimal selection ({APPLICATIONS} applications)"
    optimal, greedy = result.optimal, result.greedy
    note = (
        f"optimal {optimal.total_score:.1f} pts ({len(optimal.selected)} laureates, {optimal.total_cost} €"
        f"{'' if optimal.proven_optimal else ', NOT proven optimal'}) vs greedy {greedy.total_score:.1f} pts "
        f"({len(greedy.selected)} laureates, {greedy.total_cost} €)"
    )
    bench.check(name, seconds, SELECTION_TARGET, note=note)
    if optimal.total_score < greedy.total_score - 1e-6:
        bench.fail(name, f"the optimal total {optimal.total_score} is below the greedy total {greedy.total_score}")

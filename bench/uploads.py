"""Benchmark of inventory uploads: a 100,000-row upload analysed (≤ 10 s), a zip bomb refused (≤ 1 s, memory).

Registered in bench/run.py as "uploads". Runs in the scratch database (national geography, annuaire 094, IPS of
écoles: some 33,000 schools), in one `edhub shell` process, so that the figures are the analysis' own, not
Django's start-up: the rows are every school's (a few rentrées each) as a national administrator declares them;
the zip bomb is a 3,000,000-row XLSX of under a megabyte. Peak memory is tracemalloc's (Python allocations)
during the refusal, and the process' peak RSS beside the analysis.
"""

import re

ANALYSIS_TARGET, BOMB_TARGET, BOMB_MEMORY_TARGET = 10.0, 1.0, 50.0
ROWS, BOMB_ROWS = 100_000, 3_000_000
SOURCES = (
    ("annuaire", "fr-en-annuaire-education_094.csv"),
    ("ips-ecoles", "fr-en-ips_ecoles_2021-2022.csv"),
)
SCRIPT = """
import io, resource, time, tracemalloc, zipfile
from django.core.files.base import ContentFile
from edhub.accounts.agents import save_agent
from edhub.accounts.models import Role
from edhub.accounts.scope import membership_of, writable_schools
from edhub.inventories.columns import COLUMNS
from edhub.inventories.models import Upload
from edhub.inventories.validation import current_rentree, validate

user = save_agent("banc-depots", Role.NATIONAL)[0].user
uais = list(writable_schools(membership_of(user)).values_list("uai", flat=True))
values = ["200", "8", "10", "30", "6", "2", "8", "8", "8", "8", "8", "8", "6", "oui", "oui", "oui", "oui", "fibre",
          "95,5", "40", "oui", "ENT 94"]
lines = [";".join(column.header for column in COLUMNS)]
rentree = current_rentree()
while len(lines) <= ROWS:
    lines += [";".join([uai, "", "", str(rentree), *values]) for uai in uais[: ROWS + 1 - len(lines)]]
    rentree -= 1


def upload(name, content):
    return Upload.objects.create(author=user, role=Role.NATIONAL, file=ContentFile(content, name=name),
                                 file_name=name, checksum="-")


big = upload("national.csv", ("\\r\\n".join(lines) + "\\r\\n").encode())
start, cpu = time.perf_counter(), time.process_time()
big = validate(big)
seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(f"ANALYSIS {seconds:.3f} {big.status} {big.rows_read} {big.rows_valid} {big.rows_rejected} {rss:.0f} {cpu:.3f}")

row = '<row><c t="inlineStr"><is><t>0940197D</t></is></c><c t="inlineStr"><is><t>2025</t></is></c></row>'
buffer = io.BytesIO()
with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
    archive.writestr("[Content_Types].xml", "<Types/>")
    archive.writestr("xl/workbook.xml", "<workbook/>")
    with archive.open("xl/worksheets/sheet1.xml", "w") as sheet:
        sheet.write(f'<worksheet><dimension ref="A1:B{BOMB_ROWS}"/><sheetData>'.encode())
        for _ in range(BOMB_ROWS // 10_000):
            sheet.write(row.encode() * 10_000)
        sheet.write(b"</sheetData></worksheet>")
bomb = upload("bombe.xlsx", buffer.getvalue())
tracemalloc.start()
start = time.perf_counter()
bomb = validate(bomb)
seconds = time.perf_counter() - start
peak = tracemalloc.get_traced_memory()[1] / 1024 / 1024
print(f"BOMB {seconds:.3f} {peak:.1f} {len(buffer.getvalue())} {bomb.status} {len(bomb.problems)}")
print("MESSAGE", bomb.message)
"""


def bench_uploads(bench):
    bench.ensure_setup()
    print("… preparing the scratch database: imports (annuaire 094, IPS des écoles)")
    for source in SOURCES:
        bench.ensure_imported(source)
    script = SCRIPT.replace("BOMB_ROWS", str(BOMB_ROWS)).replace("ROWS", str(ROWS))
    _, _, output = bench.edhub("shell", "-c", script)
    found = re.search(r"^ANALYSIS ([\d.]+) (\w+) (\d+) (\d+) (\d+) (\d+) ([\d.]+)$", output, re.M)
    name = f"upload of {ROWS:,} rows: analysis".replace(",", " ")
    if found is None:
        bench.fail(name, f"unexpected output: {output.strip()[-300:]}")
    else:
        seconds, status, read, valid, rejected, rss, cpu = found.groups()
        note = (
            f"CPU {float(cpu):.1f} s; {status}: {read} read, {valid} declared, {rejected} rejected; peak RSS {rss} MB"
        )
        bench.check(name, float(seconds), ANALYSIS_TARGET, note=note)
        if (status, int(valid)) != ("validated", ROWS):
            bench.fail(name, f"expected {ROWS} rows declared: {note}")
    found = re.search(r"^BOMB ([\d.]+) ([\d.]+) (\d+) (\w+) (\d+)$", output, re.M)
    name = f"zip bomb ({BOMB_ROWS:,} rows) refused".replace(",", " ")
    if found is None:
        bench.fail(name, f"unexpected output: {output.strip()[-300:]}")
        return
    seconds, peak, size, status, problems = found.groups()
    bench.check(
        name, float(seconds), BOMB_TARGET, note=f"a {int(size) // 1024} KB XLSX; {status}, {problems} problems"
    )
    bench.check("  zip bomb refusal: peak memory (tracemalloc)", float(peak), BOMB_MEMORY_TARGET, unit="MB")
    if status != "refused":
        bench.fail(name, f"the bomb was not refused: {output.strip()[-300:]}")

"""Import reports: on screen and as a file (CSV for a spreadsheet, JSON for machines)."""

import csv
import json
from pathlib import Path

REPORT_COLUMNS = ("line", "column", "value", "reason")
REPORT_HEADER = ("ligne", "colonne", "valeur", "motif")


def summary(run):
    return (
        f"{run.rows_read} lignes lues, {run.rows_rejected} rejetées ; enregistrements : {run.rows_created} créés, "
        f"{run.rows_updated} modifiés, {run.rows_unchanged} inchangés (millésime {run.vintage or 'inconnu'})."
    )


def rejection_lines(run, limit=20):
    lines = [
        f"  ligne {r['line']}, colonne « {r['column']} » ({r['value']!r}) : {r['reason']}"
        for r in run.rejections[:limit]
    ]
    if run.rows_rejected > limit:
        lines.append(f"  … et {run.rows_rejected - limit} autres lignes rejetées (voir le rapport complet, --report).")
    return lines


def write_report(run, path):
    """Write the run's report: CSV (`;`, UTF-8 with BOM, one rejected row a line) or JSON (the whole run)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() == ".json":
        payload = {
            "source": run.source,
            "file": run.file_name,
            "checksum": run.checksum,
            "vintage": run.vintage,
            "status": run.status,
            "message": run.message,
            "rows_read": run.rows_read,
            "rows_created": run.rows_created,
            "rows_updated": run.rows_updated,
            "rows_unchanged": run.rows_unchanged,
            "rows_rejected": run.rows_rejected,
            "rejections": run.rejections,
        }
        path.write_text(json.dumps(payload, ensure_ascii=False, indent=2), encoding="utf-8")
        return
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(REPORT_HEADER)
        for rejection in run.rejections:
            writer.writerow([rejection[c] for c in REPORT_COLUMNS])

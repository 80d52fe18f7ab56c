"""Import reports: on screen and as a file (CSV for a spreadsheet, JSON for machines)."""

import csv
import json
from pathlib import Path

from edhub.utils.exports import neutralised

REPORT_COLUMNS = ("line", "column", "value", "reason")
REPORT_HEADER = ("type", "ligne", "colonne", "valeur", "motif")
REJECTION, WARNING = "rejet", "avertissement"


def summary(run):
    out_of_scope = f", {run.rows_out_of_scope} hors champ" if run.rows_out_of_scope else ""
    return (
        f"{run.rows_read} lignes lues, {run.rows_rejected} rejetées, {run.rows_warned} avec avertissement"
        f"{out_of_scope} ; enregistrements : {run.rows_created} créés, {run.rows_updated} modifiés, "
        f"{run.rows_unchanged} inchangés (millésime {run.vintage or 'inconnu'})."
    )


def rejection_lines(run, limit=20):
    return _lines(run.rejections, run.rows_rejected, "lignes rejetées", limit)


def warning_lines(run, limit=20):
    return _lines(run.warnings, len(run.warnings), "avertissements", limit)


def _lines(entries, total, what, limit):
    lines = [
        f"  ligne {r['line']}, colonne « {r['column']} » ({r['value']!r}) : {r['reason']}" for r in entries[:limit]
    ]
    if total > limit:
        lines.append(f"  … et {total - limit} autres {what} (voir le rapport complet, --report).")
    return lines


def write_report(run, path):
    """Write the run's report: CSV (`;`, UTF-8 with BOM, one rejection or warning a line, in file order) or JSON
    (the whole run)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() == ".json":
        payload = {
            "source": run.source,
            "file": run.file_name,
            "checksum": run.checksum,
            "vintage": run.vintage,
            "scope": run.scope,
            "status": run.status,
            "message": run.message,
            "rows_read": run.rows_read,
            "rows_created": run.rows_created,
            "rows_updated": run.rows_updated,
            "rows_unchanged": run.rows_unchanged,
            "rows_rejected": run.rows_rejected,
            "rows_warned": run.rows_warned,
            "rows_out_of_scope": run.rows_out_of_scope,
            "rejections": run.rejections,
            "warnings": run.warnings,
        }
        path.write_text(json.dumps(payload, ensure_ascii=False, indent=2), encoding="utf-8")
        return
    entries = [(REJECTION, r) for r in run.rejections] + [(WARNING, w) for w in run.warnings]
    entries.sort(key=lambda entry: entry[1]["line"])
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(REPORT_HEADER)
        for kind, entry in entries:
            writer.writerow([kind, *(neutralised(entry[c]) for c in REPORT_COLUMNS)])  # a file's text, never a formula

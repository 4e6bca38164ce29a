"""`appealgen log import --submitted CLAIMS.csv`: claims as they were submitted (claim_id, payer,
date, charge; other columns are ignored), so the initial denial rate (denied / submitted) can be
computed. A file with a bad row records nothing: every bad row is named, then fix and import
again (rows already recorded are skipped)."""

from __future__ import annotations

import csv
import hashlib
import re
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from sqlalchemy import insert

from appealgen.errors import InputError, InputErrors
from appealgen.log.db import Log
from appealgen.log.importer import FileResult, record_import
from appealgen.log.store import existing_keys, utcnow
from appealgen.log.tables import submissions
from appealgen.models import CLAIM_ID_PATTERN
from appealgen.sources.csv_claims import money, us_date

COLUMNS = ("claim_id", "payer", "date", "charge")
CLAIM_ID = re.compile(CLAIM_ID_PATTERN)
MAX_ERRORS = 20


def read_submitted(path: Path, payers: list[str], practice: str) -> list[dict[str, Any]]:
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
            if missing:
                raise InputError(path, "header", f"missing column(s) {', '.join(missing)} (needs {','.join(COLUMNS)})")
            rows, errors = [], []
            for number, raw in enumerate(reader, start=2):  # line 1 is the header
                try:
                    rows.append(submitted_row(path, number, raw, payers, practice))
                except InputError as error:
                    errors.append(error)
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(path, None, f"cannot read file ({type(exc).__name__})") from None
    if errors:
        shown = errors[:MAX_ERRORS]
        more = f" ({len(errors) - len(shown)} more not shown)" if len(errors) > len(shown) else ""
        raise InputErrors([*shown, InputError(path, None, f"nothing recorded: {len(errors)} bad "
                                              f"{'row' if len(errors) == 1 else 'rows'}{more}; fix "
                                              f"{'it' if len(errors) == 1 else 'them'} and import the file again")])
    return rows


def submitted_row(path: Path, number: int, raw: dict[str, str], payers: list[str], practice: str) -> dict[str, Any]:
    def fail(column: str, message: str) -> InputError:
        return InputError(path, f"row {number}: {column}", message)

    claim_id, payer = (raw.get("claim_id") or "").strip(), (raw.get("payer") or "").strip()
    if not CLAIM_ID.fullmatch(claim_id):
        raise fail("claim_id", "must be 1-64 letters, digits, '.', '_' or '-'")
    if payer not in payers:
        raise fail("payer", f"unknown payer profile {payer!r} (known: {', '.join(payers)})")
    try:  # read as the claim exports are: 09/02/2026 or 2026-09-02; $1,234.50
        submitted_on = date.fromisoformat(us_date(raw.get("date") or ""))
    except ValueError:
        raise fail("date", "must be a date (MM/DD/YYYY or YYYY-MM-DD)") from None
    try:
        charge = Decimal(money(raw.get("charge") or ""))
    except (ValueError, InvalidOperation):
        charge = Decimal("NaN")
    if not charge.is_finite() or charge < 0 or charge != charge.quantize(Decimal("0.01")):
        raise fail("charge", "must be an amount like 245.00")
    content = "|".join([practice, claim_id, payer, submitted_on.isoformat(), str(charge)])
    return {"practice": practice, "claim_id": claim_id, "payer": payer, "submitted_on": submitted_on,
            "charge": charge, "dedupe_key": hashlib.sha256(content.encode()).hexdigest()}


def import_submitted(log: Log, path: Path, payers: list[str], practice: str, who: str) -> FileResult:
    rows = read_submitted(path, payers, practice)
    done = FileResult(path.name, claims=len(rows))
    unique = list({r["dedupe_key"]: r for r in rows}.values())  # the same claim twice in one file: once
    with log.writing() as conn:
        known = existing_keys(conn, submissions.c.dedupe_key, [r["dedupe_key"] for r in unique])
        new = [r for r in unique if r["dedupe_key"] not in known]
        if new:
            import_id = record_import(conn, practice, "submitted", path, len(new), who)
            now = utcnow()
            conn.execute(insert(submissions), [{**r, "import_id": import_id, "recorded_at": now} for r in new])
    done.new = len(new)
    return done

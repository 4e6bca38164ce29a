"""CSV exports from billing systems -> items.

A column mapping (a small YAML file; by default the claim-file field names themselves) says
which column holds which field. Rows are one per service line (grouped by claim id, in file
order) or one per claim. UTF-8, UTF-8 with a BOM and Windows-1252 are read; money and dates in
the usual US forms (`$1,234.50`, `09/02/2026`). Every error names the file, the row and the
column; a bad row fails only its own claim.

Mapping file:

    rows: line            # or: claim (one row per claim, its one service line on the row)
    columns:              # field -> column header
      claim_id: Account Number
      patient.last_name: Patient Last
      service_lines.dos: Date of Service
      attachments.progress_notes: Notes File   # paths, several separated by ';'
    payers:               # the export's payer names -> payer profile ids
      MEDICARE DME MAC JURISDICTION B: medicare-dme
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import replace
from datetime import datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError

from appealgen.documents import did_you_mean, error_message, field_path, read_document
from appealgen.errors import InputError, InputErrors
from appealgen.models import PAYER_ID_PATTERN, AttachmentKind, Claim, Strict, plain_amount, stated_claim_id
from appealgen.preflight import LIMITS, Refused, read_regular
from appealgen.sources.items import Item, Loaded

LINE_FIELDS = {"dos", "code", "modifiers", "units", "billed", "paid", "diagnosis", "carc", "group", "rarc"}
LIST_FIELDS = {"modifiers", "diagnosis", "carc", "rarc", "denial.carc", "denial.rarc"}
MONEY_FIELDS = {"billed", "paid", "primary_balance"}
DATE_FIELDS = {"dos", "patient.dob", "denial.date"}
CLAIM_FIELDS = [
    "claim_id", "payer_name", "payer", "payer_claim_number", "primary_balance", "patient.first_name",
    "patient.last_name", "patient.dob", "patient.member_id", "patient.address", "provider.name", "provider.npi",
    "provider.tax_id", "provider.ptan", "provider.medicaid_id", "provider.address", "provider.phone", "provider.fax",
    "provider.email", "provider.contact", "provider.requester.name", "provider.requester.title", "denial.date",
    "denial.carc", "denial.rarc", "denial.group", "denial.category", "appeal.level", "appeal.letter",
    "appeal.argument", "appeal.good_cause", "appeal.correction", "appeal.action", "appeal.action_reason",
]
DATE_FORMATS = ("%Y-%m-%d", "%m/%d/%Y", "%m/%d/%y", "%m-%d-%Y")
PAYER_ID = re.compile(PAYER_ID_PATTERN)


class Mapping(Strict):
    rows: Literal["line", "claim"] = "line"
    columns: dict[str, str] = Field(default_factory=dict)
    # what the export calls a payer -> the payer profile id ("MEDICARE DME MAC JURISDICTION B": medicare-dme)
    payers: dict[str, str] = Field(default_factory=dict)

    def payer(self, text: str) -> str:
        """The profile id an export's payer name stands for (its case and spacing ignored)."""
        wanted = " ".join(text.split()).upper()
        return next((profile for name, profile in self.payers.items() if " ".join(name.split()).upper() == wanted),
                    text)

    def column(self, field: str) -> str:
        return self.columns.get(field, field)


def default_fields() -> list[str]:
    kinds = [f"attachments.{kind.value}" for kind in AttachmentKind]
    return [*CLAIM_FIELDS, *(f"service_lines.{name}" for name in sorted(LINE_FIELDS)), *kinds]


def load_mapping(path: Path | None) -> Mapping:
    if path is None:
        return Mapping()
    try:
        mapping = Mapping.model_validate(read_document(path) or {})
    except ValidationError as exc:
        raise InputError(path, field_path(tuple(exc.errors()[0]["loc"])) or None, exc.errors()[0]["msg"]) from None
    unknown = sorted(set(mapping.columns) - set(default_fields()))
    if unknown:
        suggestion = did_you_mean(unknown[0], default_fields())
        raise InputError(path, f"columns.{unknown[0]}", f"not a claim field{suggestion}")
    return mapping


def read_text(path: Path) -> str:
    """UTF-8 (with or without a BOM), else Windows-1252, the encoding older exports use."""
    try:  # a regular file only (a named pipe would block the run), refused by its size before it is read
        data = read_regular(path, LIMITS.export_bytes)
    except Refused as refused:
        raise InputError(path, None, str(refused)) from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def money(text: str) -> str:
    """"$1,234.50" -> "1234.50"; "(12.00)" -> "-12.00" (then refused by validation); "1,5" is not
    an amount (a decimal comma would be read as a thousands one)."""
    cleaned = text.strip()
    negative = cleaned.startswith("(") and cleaned.endswith(")")
    plain = plain_amount(cleaned[1:-1] if negative else cleaned)
    try:
        Decimal(str(plain))
    except InvalidOperation:
        raise ValueError("not an amount") from None
    return f"-{plain}" if negative else str(plain)


def us_date(text: str) -> str:
    for pattern in DATE_FORMATS:
        try:
            return datetime.strptime(text.strip(), pattern).date().isoformat()
        except ValueError:
            continue
    raise ValueError("not a date (use MM/DD/YYYY or YYYY-MM-DD)")


def value_of(field: str, text: str) -> Any:
    bare = field.removeprefix("service_lines.")
    if field in LIST_FIELDS or bare in LIST_FIELDS:
        return [v for v in re.split(r"[;,\s]+", text.strip()) if v]
    if bare in MONEY_FIELDS:
        return money(text)
    if field in DATE_FIELDS or bare in DATE_FIELDS:
        return us_date(text)
    return text.strip()


def _set(target: dict[str, Any], dotted: str, value: Any) -> None:
    *parents, last = dotted.split(".")
    for part in parents:
        target = target.setdefault(part, {})
    target[last] = value


class _Claim:
    """The rows of one claim, assembled into the claim-file shape."""

    def __init__(self, first_row: int) -> None:
        self.data: dict[str, Any] = {}
        self.lines: list[dict[str, Any]] = []
        self.rows: list[int] = []  # file row of each service line
        self.first_row = first_row
        self.columns: dict[str, str] = {}  # field path -> column, for messages
        self.places: dict[str, str] = {}  # a document's field (attachments[2].path) -> its row and column
        self.failed = False  # a row of it could not be read: the claim is not built
        self.mapped: dict[str, str] = {}  # field path -> the export's column for it: where a missing value goes
        self.unread: set[tuple[int | str, ...]] = set()  # fields whose cell could not be read (already named)
        self.row_unread = False  # a whole row could not be read: what the claim lacks is not known


def _collect(path: Path, mapping: Mapping, mapping_file: Path | None) -> tuple[dict[str, _Claim], list[InputError]]:
    # csv.reader, not DictReader: DictReader skips blank lines without counting them, so every row
    # after a blank line was named one row too early; a spreadsheet numbers the blank row too.
    records = csv.reader(io.StringIO(read_text(path), newline=""))
    names = next(records, [])
    headers = set(names)
    id_column = mapping.column("claim_id")
    if not any(name.strip() for name in names):
        raise InputError(path, "row 1", "no header row (the file is empty, or starts with a blank line)")
    if len(names) == 1 and names[0].count(";") > 1:
        raise InputError(path, "row 1", "the columns are separated by ';': export the file with commas")
    if id_column not in headers:
        raise InputError(path, "row 1", f"no column {id_column!r} (the claim id); columns: "
                         f"{', '.join(sorted(headers))}")
    # A column the mapping names but the export lacks (a typo, a renamed column) would leave its
    # field out of every claim, a document out of every packet: refused, naming the mapping.
    for field, column in mapping.columns.items():
        if column not in headers:
            raise InputError(mapping_file or path, f"columns.{field}", f"column {column!r} is not in {path.name} "
                             f"(columns: {', '.join(sorted(headers))})")
    claims: dict[str, _Claim] = {}
    errors: list[InputError] = []
    mapped = {field: mapping.column(field) for field in default_fields() if mapping.column(field) in headers}
    for row_number, cells in enumerate(records, start=2):
        if not cells:
            continue  # a blank line
        # as DictReader: cells past the header are not read, a repeated header's last column wins
        row = dict(zip(names, cells, strict=False))
        claim_id = (row.get(id_column) or "").strip()
        if not claim_id:
            errors.append(InputError(path, f"row {row_number}, column {id_column!r}", "the claim id is empty"))
            continue
        misfit = _misfit(names, cells)
        if misfit is not None:
            misfit_claim = claims.setdefault(claim_id, _Claim(row_number))
            misfit_claim.failed = misfit_claim.row_unread = True
            errors.append(InputError(path, f"row {row_number}, column {misfit[0]!r}", f"{misfit[1]}; claim "
                                     f"{claim_id} not built", stated_claim_id(claim_id)))
            continue
        if mapping.rows == "claim" and claim_id in claims:
            errors.append(InputError(path, f"row {row_number}, column {id_column!r}",
                                     f"claim {claim_id} already has a row (rows: claim)"))
            continue
        claim = claims.setdefault(claim_id, _Claim(row_number))
        claim.mapped = mapped
        for where, message in _add_row(claim, row, row_number, mapping, headers):  # every cell's problem at once
            claim.failed = True
            errors.append(InputError(path, where, f"{message}; claim {claim_id} not built", stated_claim_id(claim_id)))
    return claims, errors


def _misfit(names: list[str], cells: list[str]) -> tuple[str, str] | None:
    """A row cut short, or one with cells past the last column (a comma in an unquoted value
    moves every cell after it): (the column to name, why), or None for a row that fits."""
    if len(cells) < len(names):
        return names[len(cells)], (f"missing: the row has {len(cells)} cells where the header has {len(names)} (a "
                                   "cut row, or a comma in an unquoted value)")
    if any(cell.strip() for cell in cells[len(names):]):
        return names[-1], (f"cells past this last column: the row has {len(cells)} where the header has "
                           f"{len(names)} (a comma in an unquoted value?)")
    return None


def _add_row(claim: _Claim, row: dict[str, str], number: int, mapping: Mapping,
             headers: set[str]) -> list[tuple[str, str]]:
    """Add one row to its claim; returns each cell that cannot be read, as (where, why). Such a
    cell is left out, so the claim's other problems are still found (and named) in this run."""
    line: dict[str, Any] = {}
    problems: list[tuple[str, str]] = []
    for field in default_fields():
        column = mapping.column(field)
        text = row.get(column) if column in headers else None
        if text is None or not text.strip():
            continue
        where = f"row {number}, column {column!r}"
        problem = _cell(claim, line, field, column, text, mapping, where)
        if problem is not None:
            problems.append((where, problem))
            claim.unread.add(_loc(field, len(claim.lines)))
    if problems:
        if line:
            claim.lines.append(line)  # what could be read, for the claim's other problems
            claim.rows.append(number)
        return problems
    if line in claim.lines:  # an export that repeats a row would ask the payer for the line twice
        twin = claim.rows[claim.lines.index(line)]
        return [(f"row {number}", f"repeats the service line of row {twin} exactly (a row exported twice?): remove "
                                  "it, or bill a service given twice as one line with its units")]
    if line:
        claim.lines.append(line)
        claim.rows.append(number)
    return []


def _loc(field: str, line_index: int) -> tuple[int | str, ...]:
    """A field's location as validation names it: ("service_lines", 2, "dos"), ("patient", "dob")."""
    if field.startswith("service_lines."):
        return ("service_lines", line_index, field.removeprefix("service_lines."))
    return tuple(field.split("."))


def _cell(claim: _Claim, line: dict[str, Any], field: str, column: str, text: str, mapping: Mapping,
          where: str) -> str | None:
    """Read one cell into the claim (or the row's service line); why it cannot be, or None."""
    try:
        value = mapping.payer(text.strip()) if field == "payer" else value_of(field, text)
    except ValueError as exc:
        return str(exc)
    if field == "payer" and not PAYER_ID.fullmatch(value):
        return ("not a payer profile id (lower-case letters, digits, '_' or '-'): name the profile each of the "
                "export's payers stands for under `payers:` in the mapping file")
    if field == "payer" and value != text.strip():  # the export's own name for it: the reports group by it
        claim.data.setdefault("payer_name", " ".join(text.split())[:120])
    if field.startswith("service_lines."):
        line[field.removeprefix("service_lines.")] = value
        claim.columns[f"line.{field.removeprefix('service_lines.')}"] = column
    elif field.startswith("attachments."):
        kind = field.removeprefix("attachments.")
        claim.data.setdefault("attachments", [])
        for part in str(value).split(";"):
            attachment = {"kind": kind, "path": part.strip()}
            # an export repeats a claim's columns on each of its service lines: a document once
            if attachment["path"] and attachment not in claim.data["attachments"]:
                claim.places[f"attachments[{len(claim.data['attachments'])}].path"] = where
                claim.data["attachments"].append(attachment)
    else:
        previous = _get(claim.data, field)
        if previous is not None and previous != value:
            return (f"differs from row {claim.first_row}, which has the same claim id: a claim's rows must agree "
                    "(two claims with one id?)")
        _set(claim.data, field, value)
        claim.columns[field] = column
    return None


def _get(data: dict[str, Any], dotted: str) -> Any:
    for part in dotted.split("."):
        if not isinstance(data, dict) or part not in data:
            return None
        data = data[part]
    return data


def _where(claim: _Claim, loc: tuple[int | str, ...]) -> str:
    """A validation error's location as a row and column of the file: the column that gave the
    value, or, for a value missing, the column the mapping reads it from (a field no column of the
    export holds is named as the field)."""
    if len(loc) >= 2 and loc[0] == "service_lines" and isinstance(loc[1], int) and loc[1] < len(claim.rows):
        column = (claim.columns.get(f"line.{loc[2]}") or claim.mapped.get(f"service_lines.{loc[2]}")
                  or str(loc[2])) if len(loc) > 2 else ""
        return f"row {claim.rows[loc[1]]}" + (f", column {column!r}" if column else "")
    dotted = ".".join(str(p) for p in loc)
    known = claim.columns.get(dotted) or claim.mapped.get(dotted)
    return f"row {claim.first_row}" + (f", column {known!r}" if known else f", field {field_path(loc)}")


def _validation_errors(path: Path, claim: _Claim, exc: ValidationError) -> list[InputError]:
    """The claim's validation errors by row and column, but for the cells already named as
    unreadable (their field is missing because it was left out, not because the export lacks it)."""
    return [InputError(path, _where(claim, tuple(err["loc"])), error_message(err))
            for err in exc.errors(include_input=False, include_url=False)
            if not any(tuple(err["loc"])[:len(unread)] == unread for unread in claim.unread)]


def load_csv(path: Path, mapping_file: Path | None = None) -> Loaded:
    loaded = Loaded()
    try:
        mapping = load_mapping(mapping_file)
        claims, errors = _collect(path, mapping, mapping_file)
        loaded.errors.extend(errors)
    except InputError as error:
        loaded.errors.append(error)
        return loaded
    except (OSError, csv.Error) as exc:
        loaded.errors.append(InputError(path, None, f"cannot read as CSV ({type(exc).__name__})"))
        return loaded
    for claim_id, claim in claims.items():
        if claim.row_unread:
            continue  # its row's error is reported; the rest of it was never read
        data = {**claim.data, "claim_id": claim_id, "service_lines": claim.lines}
        try:
            item = Item.of(Claim.model_validate(data), f"{path} (claim {claim_id})", path)
            if not claim.failed:  # else its rows' errors are reported, and it is not built
                loaded.items.append(replace(item, places=tuple(claim.places.items())))
        except ValidationError as exc:
            found = _validation_errors(path, claim, exc)
            if found:
                loaded.errors.append(InputErrors(found, stated_claim_id(claim_id)))
    return loaded

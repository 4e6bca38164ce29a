"""Every input kind -> items: `load(paths, ...)` reads claim files (YAML/JSON, one claim or a
list), folders of them, and X12 835 remittances (their denied claims, each with its own
remittance record). Each item carries its origin for messages and its base folder for
attachments; a claim that cannot be used becomes a load error of its own."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from appealgen.collector import gc_paused
from appealgen.errors import InputError
from appealgen.models import AttachmentKind
from appealgen.payers import PayerProfile
from appealgen.rules.codes import CodeTable
from appealgen.sources.attachment_names import unused_lines
from appealgen.sources.claim_file import load_claim_file
from appealgen.sources.csv_claims import load_csv
from appealgen.sources.era import EraFile, read_era
from appealgen.sources.era_claims import (
    FoundClaim,
    attachments_by_convention,
    claim_document,
    find_claims,
    split_document,
    unique_claim_ids,
)
from appealgen.sources.items import Item, Loaded

X12_SUFFIXES = {".835", ".x12", ".edi", ".era"}
CLAIM_SUFFIXES = {".yaml", ".yml", ".json", ".jsonl", ".csv"}

__all__ = ["Item", "Loaded", "is_x12", "load", "needs_profiles", "read_remittances"]


def is_x12(path: Path) -> bool:
    if path.suffix.lower() in X12_SUFFIXES:
        return True
    try:
        with path.open("rb") as handle:
            head = handle.read(16).removeprefix(b"\xef\xbb\xbf").lstrip()
    except OSError:
        return False
    return head.startswith((b"ISA", b"ST*835"))


@dataclass
class Remittances:
    """What 835 files hold, every claim with the rules' verdict; ids unique across the files."""

    files: list[EraFile] = field(default_factory=list)
    found: list[FoundClaim] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    errors: list[InputError] = field(default_factory=list)  # files, sets or claims that could not be read


def read_remittances(paths: list[Path], profiles: dict[str, PayerProfile], codes: CodeTable) -> Remittances:
    """Every file read on its own: a broken file is reported and the others are read."""
    result = Remittances()
    with gc_paused():  # a model per segment, claim and line: 100,000s of objects for a large file
        _read_each(paths, profiles, codes, result)
    unique_claim_ids(result.found)
    return result


def _read_each(paths: list[Path], profiles: dict[str, PayerProfile], codes: CodeTable, result: Remittances) -> None:
    for path in paths:
        try:
            era = read_era(path)
        except InputError as error:
            result.errors.append(error)
            continue
        found, warnings = find_claims(era, profiles, codes)
        result.files.append(era)
        result.found += found
        result.warnings += era.warnings + warnings
        result.errors += era.faults  # each cost only its claim, segment or transaction set


def _expand(path: Path) -> list[Path]:
    """A folder stands for the claim files and 835s inside it (recursively, in name order)."""
    if not path.is_dir():
        return [path]
    return sorted(p for p in path.rglob("*") if p.is_file() and not p.name.startswith(".")
                  and (p.suffix.lower() in CLAIM_SUFFIXES | X12_SUFFIXES))


def _once(files: list[Path], loaded: Loaded) -> list[Path]:
    """Each file once, in the order first given: a file named twice, or named beside a folder
    that holds it, would count its claims (and its bad rows) twice."""
    seen: dict[Path, Path] = {}
    repeated: dict[Path, None] = {}
    for file in files:
        key = file.resolve()
        if key in seen:
            repeated[key] = None
        else:
            seen[key] = file
    loaded.warnings += [f"{seen[key]}: given more than once; read once" for key in repeated]
    return list(seen.values())


def needs_profiles(paths: list[Path]) -> bool:
    """Whether loading `paths` needs the payer profiles (only 835 files are matched to them)."""
    return any(is_x12(f) for p in paths for f in _expand(p))


def load(
    paths: list[Path], profiles: dict[str, PayerProfile], codes: CodeTable, today: date,
    attachments_root: Path | None = None, csv_mapping: Path | None = None,
    names: Mapping[str, AttachmentKind] | None = None, verbose: bool = False,
) -> Loaded:
    """Items from every path, in order; an 835 gives its denied claims, a CSV its rows grouped
    by claim (`csv_mapping` says which column holds what). `names`: the workspace's file-name
    patterns for attachments found under `attachments_root`."""
    loaded = Loaded()
    files = _once([f for p in paths for f in _expand(p)], loaded)
    remits = [f for f in files if is_x12(f)]
    remittances = read_remittances(remits, profiles, codes)
    loaded.warnings += remittances.warnings
    loaded.errors += remittances.errors
    by_file: dict[str, list[FoundClaim]] = {}
    for found in remittances.found:
        by_file.setdefault(str(found.source), []).append(found)
    for path in files:
        if is_x12(path):
            loaded.extend(_denied_items(by_file.get(str(path), []), codes, attachments_root, today, names, verbose))
        elif path.suffix.lower() == ".csv":
            loaded.extend(load_csv(path, csv_mapping))
        else:
            loaded.extend(load_claim_file(path))
    return loaded


def _denied_items(found: list[FoundClaim], codes: CodeTable, root: Path | None, today: date,
                  names: Mapping[str, AttachmentKind] | None, verbose: bool) -> Loaded:
    """The items of an 835's denied claims: one per claim, or one per part of a claim whose lines
    were denied for different reasons (era_claims.split_document)."""
    loaded = Loaded()
    for claim in found:
        if not claim.denied:
            continue
        loaded.warnings += unused_lines(attachments_by_convention(root, claim.claim_id, names), verbose)
        try:
            for _, part in split_document(claim, claim_document(claim, root, today, names), codes):
                loaded.items.append(Item.of(part, str(claim.source), claim.source))
        except InputError as error:
            loaded.errors.append(InputError(error.source, error.field,
                                            f"{error.message}; no packet built for claim {claim.claim_id}",
                                            claim.claim_id))
    return loaded

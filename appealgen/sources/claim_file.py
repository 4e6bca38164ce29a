"""Claim files (YAML or JSON, one claim or a list) -> items. Each claim of a list stands
alone: one that fails validation fails only itself."""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import ValidationError

from appealgen.documents import read_document, strict_json, validation_errors
from appealgen.errors import InputError, InputErrors
from appealgen.models import Claim, stated_claim_id
from appealgen.preflight import LIMITS, Refused, megabytes, read_regular
from appealgen.sources.items import Item, Loaded


def _json_lines(path: Path, loaded: Loaded) -> list[tuple[str, object]]:
    """One claim per line; blank lines are skipped; a line that is not JSON, nests too deeply or
    is larger than a claim file may be fails alone. The file is read as a claim file is (a regular
    file, within the size of a CSV export: a named pipe or a device never blocks the run)."""
    entries: list[tuple[str, object]] = []
    try:
        text = read_regular(path, LIMITS.export_bytes).decode("utf-8-sig")
    except Refused as refused:
        loaded.errors.append(InputError(path, None, str(refused)))
        return entries
    except UnicodeDecodeError:
        loaded.errors.append(InputError(path, None, "cannot read file: not UTF-8 text"))
        return entries
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        origin = f"{path}, line {number}"
        try:
            if len(line) > LIMITS.document_bytes:
                raise Refused(f"is larger than {megabytes(LIMITS.document_bytes)} (one claim)")
            entries.append((origin, strict_json(line)))
        except json.JSONDecodeError as exc:
            loaded.errors.append(InputError(origin, None, f"invalid JSON: {exc.msg}"))
        except Refused as refused:
            loaded.errors.append(InputError(origin, None, str(refused)))
        except RecursionError:
            loaded.errors.append(InputError(origin, None, "nested too deeply"))
    return entries


def _entries(path: Path, loaded: Loaded) -> list[tuple[str, object]]:
    """(origin, data) of every claim in a file. A list's claims are named `FILE[i]`."""
    if path.suffix.lower() == ".jsonl":
        return _json_lines(path, loaded)
    try:
        data = read_document(path)
    except InputError as error:
        loaded.errors.append(error)
        return []
    if isinstance(data, list):
        if not data:
            loaded.errors.append(InputError(path, None, "no claims in file"))
        return [(f"{path}[{index}]", entry) for index, entry in enumerate(data)]
    return [(str(path), data)]


def load_claim_file(path: Path) -> Loaded:
    """Every claim in a YAML, JSON or JSON Lines file, each standing alone."""
    loaded = Loaded()
    for origin, entry in _entries(path, loaded):
        if not isinstance(entry, dict):
            loaded.errors.append(InputError(origin, None, "a claim must be a mapping"))
            continue
        try:
            claim = Claim.model_validate(entry)
        except ValidationError as exc:
            loaded.errors.append(InputErrors(validation_errors(Path(origin), exc, model=Claim),
                                             stated_claim_id(entry.get("claim_id"))))
            continue
        loaded.items.append(Item.of(claim, origin, path))
    return loaded


def load_claims(path: Path) -> list[Item]:
    """Every claim of one file, or all its errors at once (for callers that need the whole file)."""
    loaded = load_claim_file(path)
    if len(loaded.errors) == 1:
        raise loaded.errors[0]
    if loaded.errors:
        raise InputErrors([e for error in loaded.errors
                           for e in (error.errors if isinstance(error, InputErrors) else [error])
                           if isinstance(e, InputError)])
    return loaded.items

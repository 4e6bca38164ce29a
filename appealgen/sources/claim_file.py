"""Claim files (YAML or JSON, one claim or a list) -> items. Each claim of a list stands
alone: one that fails validation fails only itself."""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError

from appealgen.documents import read_document, validation_errors
from appealgen.errors import InputError, InputErrors
from appealgen.models import Claim
from appealgen.sources.items import Item, Loaded


def load_claim_file(path: Path) -> Loaded:
    """Every claim in a file. A list's claims are named `FILE[i]` in messages."""
    loaded = Loaded()
    try:
        data = read_document(path)
    except InputError as error:
        loaded.errors.append(error)
        return loaded
    many = isinstance(data, list)
    entries = data if many else [data]
    if not entries:
        loaded.errors.append(InputError(path, None, "no claims in file"))
    for index, entry in enumerate(entries):
        origin = f"{path}[{index}]" if many else str(path)
        if not isinstance(entry, dict):
            loaded.errors.append(InputError(origin, None, "a claim must be a mapping"))
            continue
        try:
            claim = Claim.model_validate(entry)
        except ValidationError as exc:
            loaded.errors.append(InputErrors(validation_errors(Path(origin), exc)))
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

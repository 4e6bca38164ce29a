"""What every source yields: items (one claim each, with where it came from) and per-item
load errors, so one bad claim never stops the others."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from appealgen.errors import AppealgenError, InputError
from appealgen.models import Claim


@dataclass(frozen=True)
class Item:
    claim: Claim
    origin: str  # names the item in messages: "claims.yaml", "claims.yaml[3]", "remit.835"
    source: Path  # the file the claim came from
    base: Path  # relative attachment paths resolve here (unless --attachments-root is given)
    digest: str  # sha256 of this claim's own data (the resume hash covers one item, not its file)
    practice: str = ""  # the output subfolder when a run spans several practices (billing companies)
    # Where a field came from when its file is not in the claim-file shape (a CSV export's row and
    # column): an error about the field names that place instead.
    places: tuple[tuple[str, str], ...] = ()

    def placed(self, error: AppealgenError) -> AppealgenError:
        """`error` naming the row and column its field came from, when this item knows them."""
        if not isinstance(error, InputError) or (where := dict(self.places).get(error.field or "")) is None:
            return error
        return InputError(error.source, where, error.message, error.claim_id)

    @classmethod
    def of(cls, claim: Claim, origin: str, source: Path) -> Item:
        digest = hashlib.sha256(claim.model_dump_json().encode()).hexdigest()
        return cls(claim, origin, source, source.parent, digest)

    @property
    def claim_id(self) -> str:
        return self.claim.claim_id


@dataclass
class Loaded:
    items: list[Item] = field(default_factory=list)
    errors: list[AppealgenError] = field(default_factory=list)  # each fails alone: exit 1
    warnings: list[str] = field(default_factory=list)

    def extend(self, other: Loaded) -> None:
        self.items += other.items
        self.errors += other.errors
        self.warnings += other.warnings

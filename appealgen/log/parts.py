"""A claim whose lines were denied for different reasons is tracked as parts (`<claim id>-L<n>`
for each line planned apart, the claim's own id for the rest: era_claims.split_document). A
later remittance of the claim answers each part on its own lines: the money paid on the supply
line is that line's part's recovery, never the device line's."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.engine import Connection

from appealgen.log.store import chunks
from appealgen.log.tables import denials
from appealgen.rules.classify import CodeUse, classify_codes, merge_uses
from appealgen.rules.codes import CodeTable
from appealgen.sources.era_claims import FoundClaim, part_id


@dataclass(frozen=True)
class Answer:
    """What a remittance says of the lines one denial is about: their charges (None for the
    whole claim, whose charges a corrected claim may change), what was paid on them, and
    whether they are still denied."""

    billed: Decimal | None
    paid: Decimal
    denied: bool


def whole(found: FoundClaim) -> Answer:
    return Answer(None, found.era.paid, found.denied)


def part_ids(claim_id: str, lines: int) -> dict[str, int]:
    """The id each line of the claim has when it is a part of its own -> the line's index."""
    return {part_id(claim_id, index): index for index in range(lines)}


def parts_of(conn: Connection, practice: str, claims: Iterable[tuple[str, int]]) -> dict[str, dict[int, str]]:
    """Each claim's lines that were ever opened as parts (open or closed: a closed part's line
    is still not the claim's own): claim id -> {line index: part id}."""
    wanted: dict[str, tuple[str, int]] = {}
    for claim_id, lines in claims:
        wanted.update((part, (claim_id, index)) for part, index in part_ids(claim_id, lines).items())
    found: dict[str, dict[int, str]] = {}
    for chunk in chunks(sorted(wanted)):
        query = select(denials.c.claim_id).where(denials.c.practice == practice, denials.c.claim_id.in_(chunk))
        for (part,) in conn.execute(query):
            claim_id, index = wanted[part]
            found.setdefault(claim_id, {})[index] = part
    return found


def of_lines(found: FoundClaim, indices: list[int], codes: CodeTable, own: bool) -> Answer | None:
    """The answer for the lines at `indices` (with the claim-level adjustments and remarks when
    `own`: they stay with the claim's own part); None when the remittance has no such line."""
    lines = found.era.lines
    if not indices or any(index >= len(lines) for index in indices):
        return None
    chosen = [lines[index] for index in indices]
    uses = [CodeUse(a.group, a.carc, a.amount, line.paid == 0 and line.billed > 0, frozenset(line.modifiers))
            for line in chosen for a in line.adjustments]
    remarks = [r for line in chosen for r in line.remarks]
    if own:
        unpaid = found.era.paid == 0 and found.era.billed > 0
        uses += [CodeUse(a.group, a.carc, a.amount, unpaid) for a in found.era.adjustments]
        remarks += found.era.remarks
    denied = classify_codes(merge_uses(uses), list(dict.fromkeys(remarks)), codes).denied
    return Answer(sum((line.billed for line in chosen), Decimal(0)), sum((line.paid for line in chosen), Decimal(0)),
                  denied)


def answers(found: FoundClaim, claim_id: str, parts: dict[int, str], codes: CodeTable) -> dict[str, Answer | None]:
    """Each part's answer, by denial id: the claim's own id for the lines not planned apart."""
    rest = [index for index in range(len(found.era.lines)) if index not in parts]
    return {claim_id: of_lines(found, rest, codes, True),
            **{part: of_lines(found, [index], codes, False) for index, part in parts.items()}}

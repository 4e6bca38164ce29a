"""A claim whose lines were denied for different reasons is tracked as parts (`<claim id>-L<n>`
for each line planned apart, the claim's own id for the rest: era_claims.split_document). A
later remittance of the claim answers each part on its own lines: the money paid on the supply
line is that line's part's recovery, never the device line's."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import and_, or_, select
from sqlalchemy.engine import Connection

from appealgen.log.store import as_date, chunks
from appealgen.log.tables import denials
from appealgen.models import MAX_CLAIM_ID
from appealgen.rules.classify import CodeUse, classify_codes, merge_uses
from appealgen.rules.codes import CodeTable
from appealgen.sources.era_claims import FoundClaim, denied_amount, part_id


@dataclass(frozen=True)
class Answer:
    """What a remittance says of the lines one denial is about: their charges (None for the
    whole claim, whose charges a corrected claim may change), what was paid on them, and
    whether they are still denied."""

    billed: Decimal | None
    paid: Decimal
    denied: bool
    denied_amount: Decimal  # what the denial codes still take off them


def whole(found: FoundClaim) -> Answer:
    return Answer(None, found.era.paid, found.denied, denied_amount(found))


@dataclass(frozen=True)
class Part:
    """A line of a claim opened as a denial of its own: which line it was, and its charge and
    date of service, by which a later remittance's line is known for it."""

    index: int
    denial_id: str
    billed: Decimal
    dos: date


def _prefix(claim_id: str) -> str | None:
    """What every part id of the claim starts with ("ACCT-1" -> "ACCT-1-L"); None when a part id
    would shorten the claim id (part_id keeps within the id length)."""
    return f"{claim_id}-L" if len(claim_id) + len("-L999") <= MAX_CLAIM_ID else None


def parts_of(conn: Connection, practice: str, claims: Iterable[tuple[str, int]]) -> dict[str, list[Part]]:
    """The lines of each claim that were ever opened as parts, open or closed (a closed part's
    line is still not the claim's own), whatever lines the new remittance lists: claim id ->
    parts. Found by the range of ids the claim's part ids fall in (one index range each)."""
    listed = dict(claims)
    found: dict[str, list[Part]] = {}
    for chunk in chunks(sorted(listed)):
        ranges = [(claim_id, prefix) for claim_id in chunk if (prefix := _prefix(claim_id))]
        exact = {part_id(claim_id, index): (claim_id, index) for claim_id in chunk if not _prefix(claim_id)
                 for index in range(listed[claim_id])}
        where = [and_(denials.c.claim_id >= prefix, denials.c.claim_id < prefix[:-1] + "M") for _, prefix in ranges]
        if exact:
            where.append(denials.c.claim_id.in_(sorted(exact)))
        if not where:
            continue
        query = (select(denials.c.claim_id, denials.c.billed, denials.c.first_dos)
                 .where(denials.c.practice == practice, or_(*where)))
        for denial_id, billed, dos in conn.execute(query):
            owner = exact.get(denial_id) or _owner(denial_id, ranges)
            if owner is not None:
                found.setdefault(owner[0], []).append(Part(owner[1], denial_id, billed, as_date(dos)))
    return {claim_id: sorted(parts, key=lambda p: p.index) for claim_id, parts in found.items()}


def _owner(denial_id: str, ranges: list[tuple[str, str]]) -> tuple[str, int] | None:
    """The claim and line a part id names ("ACCT-1-L2" -> ("ACCT-1", 1)); None for another
    claim's id that only shares the range ("ACCT-1-LAB")."""
    for claim_id, prefix in ranges:
        number = denial_id.removeprefix(prefix)
        if denial_id.startswith(prefix) and number.isdigit() and number[0] != "0":
            return claim_id, int(number) - 1
    return None


def matched(found: FoundClaim, parts: list[Part]) -> tuple[dict[str, list[int]], list[int]]:
    """Each part's line in this remittance, by charge and date of service (its own position
    first: a payer may list fewer lines, or in another order), and the lines left for the claim's
    own denial. A part none of whose lines match is not in this remittance."""
    lines = found.era.lines
    free = list(range(len(lines)))
    taken: dict[str, list[int]] = {}
    for part in parts:
        fits = [i for i in free if lines[i].billed == part.billed and (lines[i].dos or part.dos) == part.dos]
        if fits:
            index = part.index if part.index in fits else fits[0]
            taken[part.denial_id] = [index]
            free.remove(index)
    return taken, free


def of_lines(found: FoundClaim, indices: list[int], codes: CodeTable, own: bool) -> Answer:
    """The answer for the lines at `indices` (with the claim-level adjustments and remarks when
    `own`: they stay with the claim's own part)."""
    lines = found.era.lines
    chosen = [lines[index] for index in indices]
    uses = [CodeUse(a.group, a.carc, a.amount, line.paid == 0 and line.billed > 0, frozenset(line.modifiers))
            for line in chosen for a in line.adjustments]
    remarks = [r for line in chosen for r in line.remarks]
    if own:
        unpaid = found.era.paid == 0 and found.era.billed > 0
        uses += [CodeUse(a.group, a.carc, a.amount, unpaid) for a in found.era.adjustments]
        remarks += found.era.remarks
    found_codes = classify_codes(merge_uses(uses), list(dict.fromkeys(remarks)), codes.for_program(found.program))
    billed, paid = sum((line.billed for line in chosen), Decimal(0)), sum((line.paid for line in chosen), Decimal(0))
    still = (found_codes.denied_amount or max(billed - paid, Decimal(0))) if found_codes.denied else Decimal(0)
    return Answer(billed, paid, found_codes.denied, still)


def answers(found: FoundClaim, claim_id: str, parts: list[Part], codes: CodeTable) -> dict[str, Answer]:
    """Each denial's answer, by denial id (the claim's own id for the lines not planned apart);
    a denial none of whose lines this remittance lists is not answered by it."""
    taken, rest = matched(found, parts)
    lines = {claim_id: rest, **{part.denial_id: taken.get(part.denial_id, []) for part in parts}}
    return {denial_id: of_lines(found, indices, codes, denial_id == claim_id)
            for denial_id, indices in lines.items() if indices}

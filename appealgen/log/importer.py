"""`appealgen log import FILE.835`: every claim of a remittance, paid or denied, goes into the
log once (a claim payment already recorded, from this file or another copy of it, is skipped).
A denied claim with no open denial opens one, with the plan's first step. A later remittance of
a claim whose denial is open is that denial's outcome: paid on reprocessing is overturned (the
amount recovered); while a request is pending, still denied but paid more is partial and denied
again is upheld, and the plan opens the next level from the remittance's date. A claim tracked
in parts (lines denied for different reasons) has each part answered on its own lines. Each file
is one transaction."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import insert
from sqlalchemy.engine import Connection

from appealgen.collector import gc_paused
from appealgen.errors import AppealgenError, InputError, exit_code
from appealgen.log.db import Log
from appealgen.log.model import Denial, Event, Kind
from appealgen.log.opening import denials_from_remittance
from appealgen.log.parts import Answer, Part, answers, parts_of, whole
from appealgen.log.state import ZERO, State, apply, derive, problem, remaining_after
from appealgen.log.steps import options_after, step_after
from appealgen.log.store import Filters, chunks, existing_keys, insert_denials, insert_events, load_states, utcnow
from appealgen.log.tables import imports, remits
from appealgen.models import Decision
from appealgen.payers import PayerProfile
from appealgen.rules.codes import CodeTable
from appealgen.sources import read_remittances
from appealgen.sources.era_claims import FoundClaim, safe_claim_id
from appealgen.toolkit import Toolkit


@dataclass(frozen=True)
class Rules:
    """The payer profiles and the code table, read once per import (not once per claim)."""

    profiles: dict[str, PayerProfile]
    codes: CodeTable

    def profile(self, payer_id: str) -> PayerProfile:
        if payer_id not in self.profiles:
            raise InputError("payer", None, f"unknown payer profile {payer_id!r} (known: "
                             f"{', '.join(sorted(self.profiles))})")
        return self.profiles[payer_id]


@dataclass
class FileResult:
    file: str
    claims: int = 0  # claims in the file (or rows, for submitted claims)
    new: int = 0  # recorded now; 0 when everything was there already
    denials: int = 0  # denials opened
    outcomes: int = 0  # open denials given their outcome by this file


@dataclass
class ImportResult:
    files: list[FileResult] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    errors: list[AppealgenError] = field(default_factory=list)  # files that could not be read: nothing from them

    @property
    def exit_code(self) -> int:
        return exit_code(e.exit_code for e in self.errors)


@dataclass
class Remit:
    """One CLP as the log records it."""

    found: FoundClaim
    claim_id: str
    values: dict[str, Any]
    id: int | None = None

    @property
    def on(self) -> date:
        return self.values["remit_date"]  # type: ignore[no-any-return]


def sha256_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def remit_of(found: FoundClaim, practice: str, today: date, seen: dict[str, int]) -> Remit:
    """The row of one CLP. Its dedupe key is the payment (payer, trace number, date) and the
    claim's own figures, so another copy of the same file adds nothing; the same figures twice
    in one payment count twice."""
    era, payment = found.era, found.remittance.payment
    on = found.remittance.notice_date or today  # the reader refuses a remittance without a date
    # The key keeps the date it was first made with (the payment's, else the remittance's), so a
    # file imported before the notice date existed is still found the same.
    keyed = payment.date or found.remittance.production_date or on
    payer_id = found.remittance.payer.reference_ids.get("2U", found.remittance.payer.id)
    uses, remarks = found.codes
    content = "|".join([practice, payer_id, payment.trace_number, keyed.isoformat(), era.claim_id, era.status_code,
                        str(era.billed), str(era.paid), era.payer_claim_number])
    seen[content] = seen.get(content, 0) + 1
    key = hashlib.sha256(f"{content}|{seen[content]}".encode()).hexdigest()
    claim_id = safe_claim_id(era.claim_id)
    return Remit(found, claim_id, {
        "practice": practice, "claim_id": claim_id, "dedupe_key": key, "payer": found.profile_id,
        "payer_name": found.remittance.payer.name[:120], "payer_claim_number": era.payer_claim_number[:50],
        "status_code": era.status_code[:4], "frequency": era.frequency[:2], "remit_date": on,
        "check_number": payment.trace_number[:50], "billed": era.billed, "paid": era.paid,
        "patient_responsibility": era.patient_responsibility, "denied": found.denied, "reversal": era.reversal,
        "category": found.classification.category.value, "codes": [f"{u.group}-{u.carc}" for u in uses] + remarks,
        "file_name": found.source.name[:255], "segment": era.segment,
    })


def import_remittances(log: Log, tools: Toolkit, today: date, paths: list[Path], practice: str,
                       who: str) -> ImportResult:
    rules = Rules(tools.profiles(), tools.codes())  # read once for every claim of every file
    with gc_paused():  # rows, models and plans for every claim of every file
        return _import_each(log, rules, today, paths, practice, who)


def _import_each(log: Log, rules: Rules, today: date, paths: list[Path], practice: str, who: str) -> ImportResult:
    read = read_remittances(paths, rules.profiles, rules.codes)
    result = ImportResult(warnings=list(read.warnings), errors=list(read.errors))
    by_file: dict[str, list[FoundClaim]] = {}
    for found in read.found:
        by_file.setdefault(str(found.source), []).append(found)
    for era in read.files:
        path = Path(era.source)
        ahead = future_date(by_file.get(era.source, []), today)
        if ahead is not None:  # its denials' deadlines would count from a day not yet come
            result.errors.append(InputError(path, None, f"the remittance is dated {ahead}, after today ({today}): "
                                            "nothing recorded; check the file's dates (BPR16, DTM*405) or --as-of"))
            continue
        done = FileResult(path.name, claims=len(by_file.get(era.source, [])))
        with log.writing() as conn:
            import_file(conn, rules, today, path, by_file.get(era.source, []), practice, who, done, result.warnings)
        result.files.append(done)
    return result


def future_date(found: list[FoundClaim], today: date) -> date | None:
    """The latest remittance date of a file's claims when it is after `today`, else None."""
    latest = max((f.remittance.notice_date for f in found if f.remittance.notice_date is not None), default=None)
    return latest if latest is not None and latest > today else None


def import_file(conn: Connection, rules: Rules, today: date, path: Path, found: list[FoundClaim],
                practice: str, who: str, done: FileResult, warnings: list[str]) -> None:
    seen: dict[str, int] = {}
    rows = [remit_of(f, practice, today, seen) for f in found]
    known = existing_keys(conn, remits.c.dedupe_key, [r.values["dedupe_key"] for r in rows])
    new = [r for r in rows if r.values["dedupe_key"] not in known]
    if not new:
        return
    lines = {r.claim_id: len(r.found.era.lines) for r in new}
    parted = parts_of(conn, practice, lines.items())
    open_states = open_denials(conn, practice, sorted({*lines, *(p.denial_id for ps in parted.values() for p in ps)}))
    opened: list[tuple[Denial, Remit]] = []
    decided: list[tuple[Denial, Event, Remit]] = []
    for remit in sorted(new, key=lambda r: (r.on, r.values["segment"])):  # in the payer's order
        asked = _answers(remit, parted.get(remit.claim_id, []), rules.codes)
        pending = [(open_states[denial_id], answer) for denial_id, answer in asked.items() if denial_id in open_states]
        for state, answer in pending:
            event = _outcome_of(state, remit, who, rules, answer, warnings)
            if event is not None:
                apply(state, event)
                decided.append((state.denial, event, remit))
                if not state.is_open:
                    del open_states[state.denial.claim_id]
        if not pending and remit.found.denied:
            for denial in denials_from_remittance(remit.found, remit.claim_id, remit.on, practice,
                                                  remit.values["dedupe_key"], rules.profiles[remit.found.profile_id],
                                                  rules.codes, today, warnings):
                open_states[denial.claim_id] = derive(denial, [])
                opened.append((denial, remit))
    import_id = record_import(conn, practice, "835", path, len(new), who)
    store_remits(conn, import_id, new)
    for denial, remit in opened:
        denial.recorded.remit_id = remit.id
    insert_denials(conn, [d for d, _ in opened])
    for _, event, remit in decided:
        event.details["remit_id"] = remit.id
    insert_events(conn, [(d, e) for d, e, _ in decided])
    done.new, done.denials, done.outcomes = len(new), len(opened), len(decided)


def open_denials(conn: Connection, practice: str, claim_ids: list[str]) -> dict[str, State]:
    """The open denial of each claim that has one (asked a chunk of claims at a time)."""
    found: dict[str, State] = {}
    for chunk in chunks(claim_ids):
        found.update((s.denial.claim_id, s) for s in load_states(conn, Filters(practice=practice, claim_ids=chunk))
                     if s.is_open)
    return found


def _answers(remit: Remit, parts: list[Part], codes: CodeTable) -> dict[str, Answer]:
    """What the remittance says of each denial of its claim: the whole claim, or each part's lines."""
    if not parts:
        return {remit.claim_id: whole(remit.found)}
    return answers(remit.found, remit.claim_id, parts, codes)


def _outcome_of(state: State, remit: Remit, who: str, rules: Rules, answer: Answer,
                warnings: list[str]) -> Event | None:
    """The outcome on a part's own lines, once they are the lines it was opened for (the same
    charges: a payer that reprocessed the claim with other lines leaves the part to a person)."""
    if answer.billed not in (None, state.denial.recorded.billed):
        if not remit.found.era.reversal and remit.on > state.denial.denied_on:
            warnings.append(f"{remit.found.source.name}: segment {remit.found.era.segment} (CLP): its lines are not "
                            f"those {state.denial.claim_id} was opened for; record that denial's outcome by hand")
        return None
    warnings += recovered_otherwise(state, remit, answer)
    return outcome(state, remit, who, rules, answer)


def recovered_otherwise(state: State, remit: Remit, answer: Answer) -> list[str]:
    """A later remittance that pays the denial's lines less than the log records as recovered
    (a decision typed with the amount asked for, not the amount paid): the figures disagree, and
    the remittance cannot correct a person's entry, so a person is told."""
    found, denial = remit.found, state.denial
    paid = answer.paid - denial.recorded.paid
    if found.era.reversal or remit.on <= denial.denied_on or not ZERO < paid < state.recovered:
        return []
    return [f"{found.source.name}: segment {found.era.segment} (CLP): pays {denial.claim_id} {paid:,.2f} since its "
            f"denial, but the log records {state.recovered:,.2f} recovered: check the decision recorded by hand "
            f"(`log show {denial.claim_id}`), and correct its amount if the payer paid what the remittance says"]


def outcome(state: State, remit: Remit, who: str, rules: Rules, answer: Answer) -> Event | None:
    """The decision a later remittance of an open denial's claim means, or None when it means
    none: a reversal, the denial's own remittance (same day or older), a claim denied again while
    no request is pending (a resubmission, not an appeal: the level stays), or out of order.
    Paid settles the denial whatever was sent (a reopening by phone, a corrected claim); a claim
    no longer denied but paid nothing more upholds a pending request. `answer` is what the
    remittance says of the denial's own lines: the whole claim, or one part's (log.parts)."""
    found, denial = remit.found, state.denial
    gained = max(answer.paid - denial.recorded.paid - state.recovered, Decimal(0))
    # Overturned only with money: a claim no longer "denied" that pays nothing more had its rest
    # moved to another adjustment (contractual, say), which upholds the denial in effect, and
    # with no request pending is no decision at all.
    unpaid = answer.denied or gained <= 0
    if found.era.reversal or remit.on <= denial.denied_on or (unpaid and state.status != "sent"):
        return None
    verdict = (Decision.upheld if gained <= 0 else Decision.overturned if not answer.denied
               else Decision.partially_overturned)
    key = remit.values["dedupe_key"]  # one payment answers each part of its claim once
    event = Event(Kind.decision, remit.on, who, ref=found.era.payer_claim_number[:80] or None,
                  amount=gained if verdict is not Decision.upheld else None, level=state.step.level,
                  outcome=verdict.value,
                  details={"remit_id": None, "file": found.source.name, "segment": found.era.segment},
                  dedupe_key=f"remit:{key}" if denial.claim_id == remit.claim_id else
                  f"remit:{hashlib.sha256(f'{key}|{denial.claim_id}'.encode()).hexdigest()}")
    if problem(state, event) is not None:
        return None
    if verdict is Decision.partially_overturned:
        event.details["still_denied"] = str(answer.denied_amount)  # what is at stake now: see State.remaining
    if verdict is not Decision.overturned:
        profile = rules.profile(denial.payer)
        following = step_after(state, verdict, remit.on, profile, rules.codes, remaining_after(state, event))
        event.details["next"] = following.to_json()
        options = options_after(state, verdict, remit.on, profile)
        if options:
            event.details["options"] = options
    return event


def record_import(conn: Connection, practice: str, kind: str, path: Path, rows: int, who: str) -> int:
    values = {"practice": practice, "kind": kind, "file_name": path.name[:255], "sha256": sha256_file(path),
              "rows": rows, "who": who[:80], "recorded_at": utcnow()}
    return int(conn.execute(insert(imports).returning(imports.c.id), values).scalar_one())


def store_remits(conn: Connection, import_id: int, new: Sequence[Remit]) -> None:
    now = utcnow()
    rows = conn.execute(insert(remits).returning(remits.c.id, sort_by_parameter_order=True),
                        [{**r.values, "import_id": import_id, "recorded_at": now} for r in new])
    for remit, row in zip(new, rows, strict=True):
        remit.id = row.id

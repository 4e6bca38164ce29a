"""A large synthetic tracking log for the report benchmark (invented claims, payers and people):
N remitted claims over a year, a tenth of them denied, each denial with a plausible history.
Rows go in through the log's own tables (SQLAlchemy Core bulk inserts of 20,000 rows, one
transaction per table), so the schema, types and triggers are the ones a real log has."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import insert

from appealgen.log.db import Log
from appealgen.log.model import Denial, Event, Facts, Kind, Step
from appealgen.log.store import insert_denials, insert_events, utcnow
from appealgen.log.tables import imports, remits, submissions
from appealgen.rules.classify import CodeUse

PAYERS = ["medicare-dme", "medicare-part-b", "medicaid-caresource", "commercial"]
CATEGORIES = [("medical_necessity", "CO-50"), ("authorization", "CO-197"), ("coding", "CO-4"),
              ("missing_information", "CO-16"), ("eligibility", "CO-27"), ("timely_filing", "CO-29"),
              ("duplicate", "OA-18"), ("coverage", "CO-96")]
CHUNK = 20_000
START = date(2025, 11, 1)
DAYS = 386  # to 2026-11-21


def _chunks(rows: Iterator[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) == CHUNK:
            yield batch
            batch = []
    if batch:
        yield batch


def _remit(n: int, on: date, payer: str, denied: bool, category: str, code: str, billed: Decimal, paid: Decimal,
           import_id: int, status: str = "1") -> dict[str, Any]:
    return {"import_id": import_id, "practice": "default", "claim_id": f"BIG-{n:07d}",
            "dedupe_key": f"bench-{n}-{status}-{on.isoformat()}", "payer": payer, "payer_name": payer.upper(),
            "payer_claim_number": f"9{n:013d}", "status_code": "4" if denied else status, "frequency": "1",
            "remit_date": on, "check_number": f"EFT{on:%Y%m%d}", "billed": billed, "paid": paid,
            "patient_responsibility": Decimal(0), "denied": denied, "reversal": status == "22",
            "category": category, "codes": [code] if denied else ["CO-45"], "file_name": f"{on:%Y%m%d}.835",
            "segment": n, "recorded_at": utcnow()}


def _history(rng: random.Random, denial: Denial, as_of: date) -> list[Event]:
    """40% sent; of those half decided (overturned, partly, upheld), a tenth written off; a
    tenth of all assigned."""
    events: list[Event] = []
    roll, step = rng.random(), denial.first
    sent_on = denial.denied_on + timedelta(days=rng.randint(3, 130))
    if roll < 0.40 and sent_on < as_of - timedelta(days=2):
        events.append(Event(Kind.sent, sent_on, "bench", method="fax", level=step.level,
                            next_date=sent_on + timedelta(days=60)))
        decided = sent_on + timedelta(days=rng.randint(1, 60))
        if roll < 0.12 and decided <= as_of:
            events.append(Event(Kind.decision, decided, "bench", amount=denial.at_stake, level=step.level,
                                outcome="overturned"))
        elif roll < 0.16 and decided <= as_of:
            later = Step("reconsideration", "Reconsideration", "appeal", decided + timedelta(days=185), "", decided)
            events.append(Event(Kind.decision, decided, "bench", amount=(denial.at_stake / 2).quantize(Decimal("0.01")),
                                level=step.level, outcome="partially_overturned", details={"next": later.to_json()}))
        elif roll < 0.20 and decided <= as_of:
            later = Step("reconsideration", "Reconsideration", "appeal", decided + timedelta(days=185), "", decided)
            events.append(Event(Kind.decision, decided, "bench", level=step.level, outcome="upheld",
                                details={"next": later.to_json()}))
    elif roll > 0.90 and denial.denied_on + timedelta(days=30) <= as_of:
        events.append(Event(Kind.adjusted, denial.denied_on + timedelta(days=30), "bench", amount=denial.at_stake))
    if rng.random() < 0.1:
        events.append(Event(Kind.assigned, denial.denied_on, "bench", owner=f"user{rng.randint(1, 7)}"))
    return events


def make_log(log: Log, claims: int, denied_every: int, as_of: date, seed: int = 14) -> dict[str, int]:
    """`claims` remitted claims (and as many submitted), every `denied_every`-th denied."""
    rng = random.Random(seed)
    made: list[tuple[Denial, list[Event]]] = []
    with log.writing() as conn:
        import_id = conn.execute(insert(imports).returning(imports.c.id), {
            "practice": "default", "kind": "835", "file_name": "bench.835", "sha256": "0" * 64, "rows": claims,
            "who": "bench", "recorded_at": utcnow()}).scalar_one()

        def rows() -> Iterator[dict[str, Any]]:
            for n in range(claims):
                on = START + timedelta(days=n * DAYS // claims)
                payer = PAYERS[rng.randrange(len(PAYERS))]
                billed = Decimal(rng.randint(2000, 300000)).scaleb(-2)
                if n % denied_every == 0:
                    category, code = CATEGORIES[rng.randrange(len(CATEGORIES))]
                    yield _remit(n, on, payer, True, category, code, billed, Decimal(0), import_id)
                    made.append(_denial(rng, n, on, payer, category, code, billed, as_of))
                else:
                    yield _remit(n, on, payer, False, "contractual", "CO-45", billed,
                                 (billed * Decimal("0.8")).quantize(Decimal("0.01")), import_id)

        for batch in _chunks(rows()):
            conn.execute(insert(remits), batch)
        insert_denials(conn, [d for d, _ in made])
        insert_events(conn, [(d, e) for d, events in made for e in events])
        _submissions(conn, claims, import_id, rng)
    return {"remitted_claims": claims, "denials": len(made), "events": sum(len(e) for _, e in made)}


def _denial(rng: random.Random, n: int, on: date, payer: str, category: str, code: str, billed: Decimal,
            as_of: date) -> tuple[Denial, list[Event]]:
    step = Step("redetermination", "Redetermination", rng.choice(["appeal", "appeal", "reconsideration", "adjust"]),
                on + timedelta(days=125), "denial date + 5 + 120 days", on)
    group, carc = code.split("-")
    facts = Facts("835", payer.upper(), code, (code,), (CodeUse(group, carc, billed),), (), False,
                  on - timedelta(days=30), billed, Decimal(0), f"bench-denial-{n}")
    denial = Denial("default", f"BIG-{n:07d}", payer, category, on, billed, step, facts)
    return denial, _history(rng, denial, as_of)


def _submissions(conn: Any, claims: int, import_id: int, rng: random.Random) -> None:
    def rows() -> Iterator[dict[str, Any]]:
        for n in range(claims):
            on = START + timedelta(days=n * DAYS // claims) - timedelta(days=20)
            yield {"import_id": import_id, "practice": "default", "claim_id": f"BIG-{n:07d}",
                   "dedupe_key": f"bench-sub-{n}", "payer": PAYERS[n % len(PAYERS)], "submitted_on": on,
                   "charge": Decimal(rng.randint(2000, 300000)).scaleb(-2), "recorded_at": utcnow()}

    for batch in _chunks(rows()):
        conn.execute(insert(submissions), batch)


def path_for(folder: Path, claims: int) -> Path:
    return folder / f"report-bench-{claims}.sqlite"

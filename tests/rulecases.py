"""Helpers for the rules tests: synthetic claims from a few words, their plans, and the
classification of bare codes. Every name and ID is invented."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from appealgen.models import Claim
from appealgen.payers import PayerProfile, load_payer
from appealgen.plan import Plan, make_plan
from appealgen.rules.classify import Classification, CodeUse, classify_codes
from appealgen.workspace import Workspace
from tests.conftest import CODES, REPO, TODAY, claim_dict

WORKSPACE = Workspace.open(REPO)


def profile(payer_id: str) -> PayerProfile:
    return load_payer(WORKSPACE, payer_id)


def chain(*steps: tuple[str, str]) -> list[tuple[str, str, str]]:
    """Appeal history (level, outcome), one decision every 30 days, the last on 2026-11-10."""
    last = date(2026, 11, 10)
    return [
        (level, (last - timedelta(days=30 * (len(steps) - 1 - i))).isoformat(), outcome)
        for i, (level, outcome) in enumerate(steps)
    ]


def _lines(codes: Sequence[str], dos: str, billed: str, paid: str, modifiers: Sequence[str]) -> list[dict[str, Any]]:
    """One service line per group code ("CO-50", "PR-2" -> two lines). A code with an amount
    ("PR-2=20.00") goes on its line's `adjustments`, with its own group and amount."""
    by_group: dict[str, list[str]] = {}
    for code in codes:
        group, carc = code.split("-")
        by_group.setdefault(group, []).append(carc)
    lines = []
    for group, carcs in by_group.items():
        line: dict[str, Any] = {"dos": dos, "code": "E0601", "modifiers": list(modifiers), "billed": billed,
                                "paid": paid, "diagnosis": ["G47.33"]}
        plain = [c for c in carcs if "=" not in c]
        if plain:
            line.update(carc=plain, group=group)
        line["adjustments"] = [{"group": group, "carc": c.split("=")[0], "amount": c.split("=")[1]}
                               for c in carcs if "=" in c]
        lines.append(line)
    return lines or [{"dos": dos, "code": "E0601", "billed": billed, "paid": paid}]


def build_claim(
    codes: Sequence[str] = ("CO-50",),
    rarcs: Sequence[str] = (),
    *,
    payer: str = "commercial",
    attachments: Sequence[str] = ("remittance_advice",),
    history: Sequence[tuple[str, str, str]] = (),
    level: str | None = None,
    letter: str | None = None,
    good_cause: str | None = None,
    denial_date: str = "2026-10-14",
    dos: str = "2026-09-02",
    billed: str = "245.00",
    paid: str = "0.00",
    modifiers: Sequence[str] = (),
) -> Claim:
    """A claim from claim_dict: lines from `codes` (see _lines), remark codes on the denial, one
    attachment per kind."""
    appeal: dict[str, Any] = {
        "argument": "The records support the claim.",
        "history": [{"level": lv, "date": day, "outcome": outcome} for lv, day, outcome in history],
        "level": level,
        "letter": letter,
        "good_cause": good_cause,
    }
    data = claim_dict(
        payer=payer,
        service_lines=_lines(codes, dos, billed, paid, modifiers),
        denial={"date": denial_date, "carc": [], "rarc": list(rarcs)},
        appeal={key: value for key, value in appeal.items() if value is not None},
        attachments=[{"kind": kind, "path": f"docs/{kind}.pdf"} for kind in attachments],
    )
    return Claim.model_validate(data)


def plan_for(claim: Claim, today: date = TODAY) -> Plan:
    return make_plan(claim, profile(claim.payer), CODES, today)


def use(code: str, unpaid: bool = True, modifiers: Sequence[str] = ()) -> CodeUse:
    """"CO-50" or "CO-50=245.00" (with its amount) as one use of a code."""
    name, _, amount = code.partition("=")
    group, carc = name.split("-")
    return CodeUse(group, carc, Decimal(amount) if amount else None, unpaid, frozenset(modifiers))


def classify(*codes: str, rarcs: Sequence[str] = (), unpaid: bool = True,
             modifiers: Sequence[str] = ()) -> Classification:
    return classify_codes([use(c, unpaid, modifiers) for c in codes], list(rarcs), CODES)

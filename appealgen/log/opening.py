"""Opening a denial: the facts of a denied claim and the plan's first step for it, from a
remittance claim (log import) or a claim file (a build of a claim the log did not know)."""

from __future__ import annotations

import hashlib
from datetime import date

from appealgen.errors import InputError
from appealgen.log.model import DATED, Denial, Facts, Step
from appealgen.log.steps import first_step, step_deadline
from appealgen.models import Appeal, Claim
from appealgen.payers import PayerProfile
from appealgen.plan import SUBMITTED, limits_passed, make_plan, step_name
from appealgen.rules.classify import Classification, claim_codes, classify
from appealgen.rules.codes import CodeTable
from appealgen.rules.deadlines import aic_minimum
from appealgen.rules.decide import Situation, choose_action, choose_level
from appealgen.sources.era_claims import FoundClaim, claim_document, denied_amount, split_document


def _key(*parts: str) -> str:
    return hashlib.sha256("|".join(parts).encode()).hexdigest()


def claim_file_key(practice: str, claim: Claim) -> str:
    """A denial opened from a claim file: one per practice, claim, denial date and codes."""
    codes = ",".join([*claim.denial.carc, *claim.denial.rarc])
    return _key("claim file", practice, claim.claim_id, claim.denial.date.isoformat(), codes)


def reason_code(found: Classification) -> str:
    """The code that chose the denial's category ("CO-50"), wherever the claim carries it (on a
    line or on the denial): the first denial code of that category, else the first denial code,
    else the first reason code; "" when there is none."""
    codes = [f for f in found.findings if not f.remark]
    chosen = (next((f for f in codes if f.denial and f.category == found.category), None)
              or next((f for f in codes if f.denial), None) or next(iter(codes), None))
    return chosen.code if chosen is not None else ""


def denial_from_claim(claim: Claim, practice: str, source: str, dedupe_key: str, profile: PayerProfile,
                      codes: CodeTable, today: date, origin: str, patient_liable: bool | None = None) -> Denial:
    """A denial as `appealgen plan` sees this claim (its category, action, level and deadline)."""
    plan = make_plan(claim, profile, codes, today, origin)
    carcs, rarcs = claim_codes(claim)
    found = classify(claim, codes.for_program(profile.kind))
    named = claim.payer_name or (claim.remittance.payer_name if claim.remittance else "") or profile.name
    facts = Facts(source=source, payer_name=named, reason=reason_code(found),
                  codes=tuple(plan.codes), carcs=tuple(carcs), rarcs=tuple(rarcs),
                  patient_liable=found.patient_liable if patient_liable is None else patient_liable,
                  first_dos=plan.first_dos,
                  billed=claim.billed_total, paid=claim.paid_total, dedupe_key=dedupe_key)
    # At stake: the denied money the request asks for, as `era` shows it; the amount in
    # controversy (405.1006) also counts a contractual write-off on a line paid in part, which
    # no decision ever recovers (the denial would stay open for it after a full recovery).
    return Denial(practice, claim.claim_id, profile.id, plan.category.value, claim.denial.date,
                  plan.amount_requested, first_step(plan, claim.denial.date), facts)


def denials_from_remittance(found: FoundClaim, claim_id: str, denied_on: date, practice: str, remit_key: str,
                            profile: PayerProfile, codes: CodeTable, today: date, warnings: list[str]) -> list[Denial]:
    """The denials a remittance claim opens (their keys follow the row's): one, or one per part
    when its lines were denied for different reasons, as `build` and `era --out` split it
    (`<claim id>-L<n>`: each part has its own step and deadline, and a row in the queue)."""
    key = _key("835", remit_key)
    try:
        documents = split_document(found, {**claim_document(found, None, today), "claim_id": claim_id}, codes)
    except InputError as error:  # e.g. no service lines: decide from the codes alone, as `era` does
        warnings.append(f"{error.line()}; its denial is recorded from its codes alone")
        return [denial_from_codes(found, claim_id, denied_on, practice, profile, key, today)]
    denials = []
    for _, claim in documents:
        part = claim.claim_id if claim.claim_id != claim_id else ""  # a part's own key: its id, ACCT-1-L2
        denial = denial_from_claim(claim, practice, "835", _key("835", remit_key, part) if part else key, profile,
                                   codes, today, str(found.source))
        denial.recorded.payer_name = found.remittance.payer.name or denial.recorded.payer_name
        denials.append(denial)
    return denials


def denial_from_codes(found: FoundClaim, claim_id: str, denied_on: date, practice: str, profile: PayerProfile,
                      key: str, today: date) -> Denial:
    classification = found.classification
    choice = choose_level(Appeal(), profile, classification.category)
    aic = denied_amount(found)  # what the denial codes took off, as `era` shows it: its lines are not known
    era = found.era
    first_dos = era.first_dos or denied_on
    passed = limits_passed(profile, first_dos, denied_on, [], today)
    action = choose_action(Situation(set(), choice, profile, aic, aic_minimum(choice.level, denied_on), *passed),
                           classification)
    deadline = step_deadline(action.new_claim, first_dos, denied_on, [], profile, choice.level)
    dated = action.action.value in DATED
    facts = Facts(source="835", payer_name=found.remittance.payer.name or profile.name,
                  reason=reason_code(classification),
                  codes=tuple(f.code for f in classification.findings),
                  carcs=tuple(found.codes[0]), rarcs=tuple(found.codes[1]),
                  patient_liable=classification.patient_liable, first_dos=first_dos,
                  billed=era.billed, paid=era.paid, dedupe_key=key)
    first = Step(choice.level.id, step_name(choice.level, action.new_claim), action.action.value,
                 deadline.date if dated else None,
                 action.reason if action.action not in SUBMITTED else deadline.reason, denied_on)
    return Denial(practice, claim_id, profile.id, classification.category.value, denied_on,
                  aic, first, facts)

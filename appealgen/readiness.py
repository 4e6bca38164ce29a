"""What a request needs before a reviewer will read it: the payer's claim number, the patient's
member ID in the payer's form, the provider's details, the coverage policy a medical-necessity
letter cites, the reason of the decision a later level answers, and what a correction changes.
Findings for the plan; nothing here renders."""

from __future__ import annotations

import re
from collections.abc import Sequence

from appealgen.disputes import DisputedLine
from appealgen.letter_dates import dates_in
from appealgen.models import MBI, Action, AppealStep, AttachmentKind, Category, Claim, Decision
from appealgen.payers import Level, PayerProfile
from appealgen.practice import detail_findings
from appealgen.report import Finding, problem, warning
from appealgen.rules.classify import Classification
from appealgen.rules.deadlines import refiled_history
from appealgen.rules.policies import Citation, PolicyTable, cite

REVIEWS = {Action.appeal, Action.reconsideration}
# Modifiers that mark a service as separate from another one the same day (CMS NCCI policy manual:
# 25 for an E/M service, 59 and its subsets XE, XP, XS, XU, the global-surgery modifiers 24, 57,
# 58, 78, 79, repeat services 76, 77, 91).
DISTINCT_SERVICE = ("25", "59", "XE", "XP", "XS", "XU", "24", "57", "58", "76", "77", "78", "79", "91")


def as_the_payer_writes_it(claim: Claim, profile: PayerProfile) -> Claim:
    """The claim with its member ID in the form the payer uses: an MBI as 11 characters, upper
    case, without the dashes a card prints (CMS asks for it so on every form)."""
    if profile.member_ids != "mbi":
        return claim
    mbi = claim.patient.member_id.replace("-", "").upper()
    if mbi == claim.patient.member_id:
        return claim
    return claim.model_copy(update={"patient": claim.patient.model_copy(update={"member_id": mbi})})


def member_id_findings(claim: Claim, profile: PayerProfile) -> list[Finding]:
    """A member ID that cannot be the payer's kind of identifier: the request would not be
    matched to the patient (the message never repeats the ID)."""
    if profile.member_ids != "mbi" or MBI.fullmatch(as_the_payer_writes_it(claim, profile).patient.member_id):
        return []
    return [problem("patient.member_id_format", f"patient.member_id is not a Medicare Beneficiary Identifier (11 "
                    f"characters, such as 1EG4TE5MK73; never the letters S, L, O, I, B or Z): {profile.id} matches "
                    "the request to the beneficiary by it; copy it from the remittance or the Medicare card")]


# What Medicare's later levels ask of a request beyond its letter, by the form the level names.
FORM_WARNINGS: dict[str, tuple[tuple[str, str], ...]] = {
    "CMS-20033": (("qic.all_evidence_now", "enclose all the evidence now: what a provider or supplier does not give "
                   "the QIC is excluded at the ALJ hearing unless good cause is shown (42 CFR 405.966, 405.1018, "
                   "405.1028)"),),
    "OMHA-100": (("omha.copy_to_parties", "send a copy of this request to the other parties to the reconsideration "
                  "(the beneficiary): the ALJ's 90 days start only once they have it (42 CFR 405.1014(d))"),
                 ("omha.new_evidence", "evidence the QIC did not see is excluded unless the request says why it comes "
                  "only now and the ALJ finds good cause: state it for each new document (42 CFR 405.1018, "
                  "405.1028)"),
                 ("omha.investigation", "mark on the request whether you know of an investigation of you or this "
                  "claim by the HHS Office of Inspector General or other law enforcement: the request must say "
                  "(42 CFR 405.1014(a)(1))")),
    "DAB-101": (("council.copy_to_parties", "send a copy of this request to the other parties to the ALJ's decision "
                 "(the beneficiary) (42 CFR 405.1106(a))"),),
}


def request_findings(claim: Claim, profile: PayerProfile, action: Action, found: Classification,
                      citations: list[Citation], uncovered: list[str], step: Level) -> list[Finding]:
    """What a request needs before a reviewer will read it: the payer's claim number, the
    provider's details, the coverage policy a medical-necessity letter cites, and the reason of the
    decision a later level answers."""
    findings = detail_findings(claim.provider, profile) + member_id_findings(claim, profile)
    if claim.payer_claim_number is None:
        findings.append(problem("claim.payer_claim_number_missing", "payer_claim_number is missing; the letter "
                                "must name the payer's claim number (ICN/DCN) from the remittance"))
    if action in REVIEWS and step not in profile.dismissal_steps and not claim.appeal.argument \
            and not claim.appeal.facts and found.category in ARGUED:
        findings.append(warning("appeal.argument_missing", "appeal.argument and appeal.facts are missing: the letter "
                                "says nothing of this patient's case, only its template's general sentences; state "
                                "what the records show (appeal.argument) or the dated facts (appeal.facts)"))
    if step in profile.dismissal_steps and not claim.appeal.argument:
        findings.append(problem("appeal.dismissal_argument_missing", "appeal.argument is missing; a request to "
                                f"{step.name} argues why the dismissal was wrong (the reviewer decides only that, "
                                "not the claim's merits): answer the reason the dismissal gave"))
    findings += skipped_level_findings(claim, profile, found.category, step) if action in REVIEWS else []
    answered = refiled_history(claim.appeal.history, step)  # a refiled request answers what the first one did
    if answered and action in REVIEWS and not answered[-1].reason:
        where = f"appeal.history[{len(answered) - 1}].reason"
        findings.append(problem("history.reason_missing", f"{where} is missing; a request to {step.name} must "
                                "answer the reason the last decision gave (quote it from the notice)"))
    if answered and action in REVIEWS:
        findings += notice_findings(claim, answered[-1]) + partial_findings(claim, answered)
    if answered and action in REVIEWS and profile.kind == "medicare" and not answered[-1].case_number:
        where = f"appeal.history[{len(answered) - 1}].case_number"
        findings.append(warning("history.case_number_missing", f"{where} is missing: {step.name} finds the decision "
                                "a request answers by its appeal number (42 CFR 405.1014(a): the QIC's number for an "
                                "ALJ hearing); copy it from the decision notice"))
    if action in REVIEWS:
        findings += [warning(code, message) for code, message in FORM_WARNINGS.get(step.form or "", ())]
    if action in REVIEWS and step.form == "OMHA-100" and not claim.patient.address:
        findings.append(problem("patient.address_missing", "patient.address is missing: an ALJ hearing request names "
                                "the beneficiary's address with the name and Medicare number (42 CFR "
                                "405.1014(a)(1)); add it to the claim file"))
    # A corrected claim replaces the claim as billed: an argument that it was right is no correction.
    stated = claim.appeal.correction or (claim.appeal.argument if action is Action.reopening else None)
    if action in (Action.corrected_claim, Action.reopening) and not stated:
        findings.append(problem("appeal.correction_missing", "appeal.correction is missing; the letter must say "
                                f"what the {action.value.replace('_', ' ')} changes (for example 'modifier KX added "
                                "to line 1')"))
    if uncovered and found.category is Category.medical_necessity:
        findings.append(problem("policy.missing", f"no coverage policy for {', '.join(uncovered)} and "
                                f"{profile.id} in rules/policies.yaml; add it there or state it in appeal.policy "
                                "(id and title): a medical-necessity letter must cite the policy"))
    for citation in citations:
        if not citation.verified:
            findings.append(warning("policy.unverified", f"{citation.kind} {citation.id} ({citation.title}) is not "
                                    f"confirmed ({'; '.join(citation.unverified)}): check it in the Medicare "
                                    "Coverage Database before sending"))
    return findings


def skipped_level_findings(claim: Claim, profile: PayerProfile, category: Category, step: Level) -> list[Finding]:
    """A level stated in the claim file that answers an earlier level's decision, with no decision
    in the history: the reviewer dismisses it (only a party to a redetermination may ask the QIC,
    42 CFR 405.960), and its window would count from the denial instead of that decision."""
    if not claim.appeal.level or claim.appeal.history or step not in profile.levels:
        return []
    earlier = [lv for lv in profile.levels[:profile.levels.index(step)] if category not in lv.skip_for]
    if not earlier:
        return []
    return [problem("appeal.level_without_decision", f"appeal.level is {step.id}, but appeal.history holds no "
                    f"decision: {step.name} answers the decision of {earlier[-1].name}, and its window counts from "
                    "that decision's notice; add the decision to appeal.history (its level, date and outcome), or "
                    "leave appeal.level out")]


# Denials a reviewer decides on the patient's case (what the records show), not on a form or a date
ARGUED = {Category.medical_necessity, Category.coverage, Category.coding, Category.bundling, Category.benefit_maximum}


# How a decision notice's title names the level whose decision it is, by the profiles' level ids.
NOTICE_TITLES = {
    "redetermination": ("a redetermination", re.compile(r"redetermination", re.IGNORECASE)),
    "reconsideration": ("a reconsideration", re.compile(r"reconsideration", re.IGNORECASE)),
    "alj_hearing": ("an ALJ", re.compile(r"\bALJ\b|administrative law judge|\bOMHA\b", re.IGNORECASE)),
    "appeals_council": ("a Council", re.compile(r"\bcouncil\b", re.IGNORECASE)),
}


def notice_findings(claim: Claim, answered: AppealStep) -> list[Finding]:
    """The letter says the notice of the decision it answers is enclosed: decision notices whose
    titles all date them to another decision (the redetermination's, in an ALJ request), or all
    name another level's decision, make that false. Notices without a date or a level in their
    title are not judged."""
    titles = [a.title or "" for a in claim.attachments if a.kind is AttachmentKind.decision_notice]
    return _dated_otherwise(titles, answered) + _titled_otherwise(titles, answered)


def _dated_otherwise(titles: list[str], answered: AppealStep) -> list[Finding]:
    dated = [dates_in(title) for title in titles]
    if not dated or not all(dated) or any(answered.date in dates for dates in dated):
        return []
    named = ", ".join(sorted(f"{d:%m/%d/%Y}" for dates in dated for d in dates))
    return [warning("decision_notice.other_decision", f"the decision notice enclosed is dated {named}, but the "
                    f"decision this request answers is dated {answered.date:%m/%d/%Y}: enclose that decision's notice "
                    "(the letter says it is enclosed)")]


def _titled_otherwise(titles: list[str], answered: AppealStep) -> list[Finding]:
    own = NOTICE_TITLES.get(answered.level)
    if own is None or not titles or any(own[1].search(title) for title in titles):
        return []
    named = [[name for name, term in NOTICE_TITLES.values() if term.search(title)] for title in titles]
    if not all(named):
        return []
    others = " or ".join(dict.fromkeys(name for names in named for name in names))
    return [warning("decision_notice.other_level", f"the decision notice enclosed is titled as {others} decision, "
                    f"but this request answers {own[0]} decision: enclose that decision's notice (the letter says "
                    "it is enclosed)")]


def partial_findings(claim: Claim, answered: Sequence[AppealStep]) -> list[Finding]:
    """A decision recorded as partially overturning the denial, while no line shows a payment: the
    amount in controversy (and the amount the letter asks for) would count what was already paid."""
    where = next((n for n, step in enumerate(answered) if step.outcome is Decision.partially_overturned), None)
    if where is None or any(line.paid > 0 for line in claim.service_lines):
        return []
    return [warning("history.partial_without_payment", f"appeal.history[{where}] partially overturned the denial, "
                    "but no service line shows a payment (service_lines[].paid): the amount in controversy and the "
                    "amount asked for count what was paid; record the payment on its lines")]


def distinct_modifiers(claim: Claim, disputed: list[DisputedLine]) -> list[str]:
    """The modifiers on the disputed lines that mark a service as separate from another on the
    same day (what a bundling letter may point to)."""
    return list(dict.fromkeys(modifier for line in disputed for modifier in claim.service_lines[line.index].modifiers
                              if modifier in DISTINCT_SERVICE))


def bundling_findings(claim: Claim, profile: PayerProfile, found: Classification, action: Action,
                      disputed: list[DisputedLine]) -> list[Finding]:
    """A bundled line asked for again with no modifier that marks it separate: the edit that
    bundled it will hold; the fix, when a modifier applies, is the payer's way of correcting a
    claim (a reopening at Medicare, a corrected claim elsewhere) that adds it."""
    if found.category is not Category.bundling or action not in REVIEWS:
        return []
    bare = [line.label for line in disputed if not distinct_modifiers(claim, [line])]
    if not bare:
        return []
    fix = "ask for a reopening that adds it" if profile.corrections == "reopening" else "send a corrected claim with it"
    return [warning("bundling.no_modifier", f"no modifier on {', '.join(bare)} marks a separate service (25 for an "
                    f"E/M service, 59 or XE, XS, XP, XU for a procedure): if one applies, {fix}; an appeal without "
                    "one is usually upheld")]


def contested_liability(claim: Claim, profile: PayerProfile, found: Classification, action: Action,
                        disputed: list[DisputedLine]) -> list[str]:
    """The disputed lines whose liability the request contests: modifier GA says an advance
    beneficiary notice is on file, which makes the beneficiary liable for an item Medicare finds
    not reasonable and necessary; a CO group code on such a line holds the supplier liable all the
    same. The request encloses the signed notice (`required_documents`) and contests who is
    liable, not only the medical necessity."""
    if profile.kind != "medicare" or found.category is not Category.medical_necessity or action not in REVIEWS:
        return []
    return [line.label for line in disputed if "GA" in claim.service_lines[line.index].modifiers
            and any(code.startswith("CO-") for code in line.codes)]


def liability_findings(labels: list[str], enclosed: bool) -> list[Finding]:
    """The warning for the lines `contested_liability` names (the letter makes the argument when
    the notice is enclosed)."""
    if not labels:
        return []
    ask = "the letter asks" if enclosed else "enclose the signed notice and ask"
    return [warning("liability.abn_on_file", f"modifier GA on {', '.join(labels)}: an advance beneficiary notice is "
                    f"on file, yet the denial is CO (the supplier liable): {ask} that liability be assigned to the "
                    "beneficiary (Social Security Act 1879; 42 CFR 411.404), besides arguing medical necessity")]


def cite_policies(claim: Claim, profile: PayerProfile, policies: PolicyTable | None, found: Classification,
               action: Action, step: Level, disputed: list[DisputedLine]) -> tuple[list[Citation], list[str]]:
    """The coverage policies a request on the merits of a clinical denial cites."""
    clinical = found.category in (Category.medical_necessity, Category.coverage)
    if policies is None or not clinical or action not in REVIEWS or not step.category_documents:
        return [], []
    lines = [(claim.service_lines[d.index].code or "", claim.service_lines[d.index].modifiers) for d in disputed]
    return cite(policies, profile.id, profile.kind, [(c, m) for c, m in lines if c], claim.appeal.policy)

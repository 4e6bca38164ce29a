"""The decision tree of DOMAIN.md: which appeal step is next, and what to do about the denial."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from typing import Literal

from appealgen.models import Action, Appeal, AppealStep, AttachmentKind, Category, Decision
from appealgen.payers import Level, PayerProfile
from appealgen.rules.classify import Classification
from appealgen.rules.deadlines import Deadline, vacate_deadline, window_deadline

# 42 CFR 447.15: a Medicaid provider takes the program's payment as payment in full. A member
# may be billed for a service Medicaid does not cover only where the state allows it, and only
# with the member's written agreement signed before the service: the practice (the client) knows.
MEDICAID_MEMBER = ("under Medicaid a member may be billed for a non-covered service only with a written "
                   "agreement signed before the service, where the state allows it (42 CFR 447.15): ask the client")
Status = Literal["first", "stated", "next", "corrected", "exhausted", "pending", "won", "remanded", "dismissed",
                 "refile", "no_path"]
AGGREGATION = ("claims may be aggregated to reach the minimum: several claims with common issues, appealed "
               "together within the 60-day window (42 CFR 405.1006(e))")
LATE_CLAIM_NOTE = ("unless the payer's exceptions to its filing limit apply (Medicare, 42 CFR 424.44(b): an "
                   "administrative error, retroactive entitlement): then send the new claim stating the exception")
EXHAUSTED_NOTE = "bill the patient only where the patient is liable (PR group); otherwise adjust the balance"
ELIGIBILITY_NOTE = ("the deadline is this payer's claim filing limit from the date of service; another payer's "
                    "own limit applies to a claim billed to it, and may be shorter")
COUNSEL_NOTE = ("refer the claim to counsel before the deadline: the action is filed in court against the payer or "
                "the Secretary, and a court filing is public, so no packet of the patient's records is made for it")


@dataclass
class LevelChoice:
    level: Level
    status: Status
    reason: str
    notes: list[str] = field(default_factory=list)


def _first(profile: PayerProfile, category: Category) -> LevelChoice:
    skipped = [lv for lv in profile.levels if category in lv.skip_for]
    first = profile.first_level(category)
    reason = f"no appeal history: first level, {first.name}"
    if skipped and first is not profile.levels[0]:
        reason += f" ({', '.join(lv.name for lv in skipped)} is not used for {category.value} denials)"
    return LevelChoice(first, "first", reason)


def choose_level(appeal: Appeal, profile: PayerProfile, category: Category = Category.other,
                 denied_on: date | None = None, today: date | None = None) -> LevelChoice:
    """The step the claim is at. With the denial's date and today's, a dismissed request is
    filed again while its level's own window is open (see `_after_a_dismissal`)."""
    if appeal.level:
        return LevelChoice(profile.level(appeal.level), "stated", "level stated in the claim file")
    if not appeal.history:
        return _first(profile, category)
    last = appeal.history[-1]
    decided = profile.level(last.level)
    when = last.date.isoformat()
    if last.outcome is Decision.pending:
        return LevelChoice(decided, "pending", f"{decided.name} filed {when} is pending")
    if last.outcome is Decision.overturned:
        if decided in profile.dismissal_steps:  # the dismissal was vacated: back to the merits
            return LevelChoice(decided, "remanded", f"{decided.name} vacated the dismissal on {when}: the request "
                               "goes back for a decision on its merits")
        return LevelChoice(decided, "won", f"{decided.name} overturned the denial on {when}")
    if last.outcome is Decision.dismissed:
        return _after_a_dismissal(appeal.history, profile, decided, denied_on, today)
    return _after_decision(profile, decided, f"{decided.name} was {last.outcome.value.replace('_', ' ')} on {when}",
                           category)


def _after_decision(profile: PayerProfile, decided: Level, what: str, category: Category) -> LevelChoice:
    """Upheld (or partly overturned: the rest is still denied): the next level, if any."""
    # A reopening does not extend the appeal window (405.980(a)(5)); a corrected claim or a retro
    # authorization that is refused leaves the appeal path open the same way.
    if any(decided is step for step in (profile.reopening, profile.replacement, profile.retro_authorization)):
        first = profile.first_level(category)
        return LevelChoice(first, "corrected", f"{what}: the appeal path stays open, {first.name}, counted from "
                           "the initial determination")
    if decided.final or decided in profile.dismissal_steps:
        return LevelChoice(decided, "exhausted", f"{what}: that decision is binding")
    index = profile.levels.index(decided)
    if index + 1 == len(profile.levels):
        return LevelChoice(decided, "exhausted", f"{what}: every level is used")
    following = profile.levels[index + 1]
    return LevelChoice(following, "next", f"{what}: next level, {following.name}")


def _after_a_dismissal(history: list[AppealStep], profile: PayerProfile, decided: Level, denied_on: date | None,
                       today: date | None) -> LevelChoice:
    """A dismissal ends that request only. While the level's own window is open, a new, complete
    request there (the defect the notice names cured) is decided on its merits, sooner than a
    review of the dismissal, which only sends the old request back (42 CFR 405.974(b)): the
    contractors' dismissal notices say so. Once that window has closed, the review of the
    dismissal while its own window is open; once both have closed, the new request again, late,
    with good cause (42 CFR 405.942(b)): it still reaches the merits. Reviewing or vacating the
    dismissal stays a note while it can be asked for (a level stated in the claim file chooses it)."""
    after = _dismissal_path(profile, decided, history[-1].date, today)
    window = _own_window(history, profile, decided, denied_on)
    if window is None or today is None or denied_on is None:
        return after
    review = window_deadline(denied_on, history, profile, after.level) if after.status == "dismissed" else None
    if window.date < today and (review is None or review.date >= today):
        return after
    what = _dismissed(profile, decided, history[-1].date)
    if window.date >= today:
        reason = (f"{what}, and its own window ({window.reason}) is open until {window.date.isoformat()}: file a new, "
                  f"complete {decided.name} request, which is decided on its merits")
    else:  # both closed (with no review, the dismissal's own path was chosen above)
        assert review is not None
        reason = (f"{what}; its own window ({window.reason}) closed on {window.date.isoformat()}, and the review of "
                  f"the dismissal was due by {review.date.isoformat()}: file a new, complete "
                  f"{decided.name} request late, stating good cause (appeal.good_cause); it is decided on its merits")
    notes = ["cure the defect the dismissal notice names before the new request goes out"]
    if review is not None and review.date >= today:
        notes.append(f"or, if the dismissal was wrong, ask for {after.level.name} by {review.date.isoformat()} "
                     f"({review.reason}; state appeal.level: {after.level.id})")
    return LevelChoice(decided, "refile", reason, [*notes, *after.notes])


def _own_window(history: list[AppealStep], profile: PayerProfile, decided: Level,
                denied_on: date | None) -> Deadline | None:
    """The dismissing level's own window, where a request there may be filed again: not for a
    dismissal review's own dismissal (no window of its own), a dismissal the profile calls
    binding (the Medicare Appeals Council's, 42 CFR 405.1116), or a court's (for counsel)."""
    if denied_on is None or decided not in profile.levels or decided.filed_by_counsel or \
            (decided.dismissal is not None and decided.dismissal.final):
        return None
    return window_deadline(denied_on, history, profile, decided)


def _dismissed(profile: PayerProfile, decided: Level, notice: date) -> str:
    return f"{decided.decided_by or profile.name} dismissed the {decided.name} request on {notice.isoformat()}"


def _dismissal_path(profile: PayerProfile, decided: Level, notice: date, today: date | None = None) -> LevelChoice:
    """A dismissal is not a decision on the merits: the level's dismissal path, if it has one
    (with the date by which the dismissing body may be asked to vacate it, until it passes)."""
    what = _dismissed(profile, decided, notice)
    path = decided.dismissal
    if path is None:
        last = decided.final or decided is profile.levels[-1] or decided in profile.dismissal_steps
        if last:
            return LevelChoice(decided, "exhausted", f"{what}: nothing follows it")
        return LevelChoice(decided, "no_path", f"{what}; {profile.id} gives no path after a dismissal at this "
                           "level: read the dismissal notice")
    notes = []
    if path.vacate_months and (today is None or vacate_deadline(notice, path.vacate_months) >= today):
        source = f" ({path.vacate_source})" if path.vacate_source else ""
        notes.append(f"or ask {decided.decided_by or profile.name} to vacate its dismissal, showing good and "
                     f"sufficient cause, within {path.vacate_months} months of the notice{source}: by "
                     f"{vacate_deadline(notice, path.vacate_months).isoformat()}")
    if path.final or path.review is None:
        return LevelChoice(decided, "exhausted", f"{what}: the dismissal is binding", notes)
    review = profile.level(path.review)
    return LevelChoice(review, "dismissed", f"{what}: next, {review.name}", notes)


@dataclass
class ActionChoice:
    action: Action
    reason: str
    notes: list[str] = field(default_factory=list)
    step: Level | None = None  # where the action is taken when not at the chosen level (a reopening)
    new_claim: bool = False  # sent as a new claim: its deadline is the claim filing limit


@dataclass(frozen=True)
class Situation:
    """What the decision needs besides the codes: the documents enclosed (`kinds`), the step,
    the payer, and the amount in controversy with the step's minimum."""

    kinds: set[AttachmentKind]
    choice: LevelChoice
    profile: PayerProfile
    aic: Decimal = Decimal(0)
    minimum: Decimal | None = None
    filing_limit_passed: date | None = None  # the claim filing limit, when it has passed: no new claim now
    reopening_closed: date | None = None  # the last day of a reopening even for good cause, when passed


def _liability(found: Classification) -> str:
    return "the patient is liable (PR)" if found.patient_liable else "the patient is not liable"


def _review(situation: Situation, found: Classification, why: str) -> ActionChoice:
    """A request for review at the chosen step, unless the step is exhausted or the amount in
    controversy is below the step's minimum: then the practice decides."""
    choice = situation.choice
    if choice.status == "exhausted":
        return ActionChoice(Action.ask_client, f"{choice.reason}; {_liability(found)}", [EXHAUSTED_NOTE])
    if situation.minimum is not None and situation.aic < situation.minimum:
        return ActionChoice(Action.ask_client, f"amount in controversy ${situation.aic:,.2f} is below the "
                            f"${situation.minimum:,.2f} minimum for {choice.level.name}; {_liability(found)}",
                            [AGGREGATION, EXHAUSTED_NOTE])
    if choice.status == "dismissed":  # the review is of the dismissal, not of the merits
        why = "the request was dismissed, not decided on its merits"
    if choice.status == "refile":
        why = f"{why}, in a new, complete request (the last one was dismissed, not decided on its merits)"
    if choice.level.filed_by_counsel:  # a civil action, not a request to send: a person decides
        return ActionChoice(Action.review, f"{why}: {choice.level.name} is a civil action filed by counsel "
                            f"({choice.level.filed_by_counsel})", [COUNSEL_NOTE])
    return ActionChoice(choice.level.action, f"{why}: {choice.level.action.value} at {choice.level.name}")


def _correction(situation: Situation, found: Classification, why: str) -> ActionChoice:
    """Our own billing error: corrected the way this payer takes corrections. An unprocessable
    claim (no appeal rights) was never filed: it goes in again as a new claim."""
    profile = situation.profile
    if situation.choice.status == "corrected":
        return _refused(situation, found)
    if not found.appeal_rights or profile.corrections == "new_claim":
        notes = [] if found.appeal_rights else ["the remark gives no appeal rights"]
        return _new_claim(situation, why, "correct it and send it as a new claim", notes,
                          "send a new claim (frequency code 1), not an appeal; it must meet the claim filing limit")
    if profile.corrections == "reopening" and profile.reopening is not None:
        if situation.reopening_closed is not None:
            return ActionChoice(Action.adjust, f"{why}, but {profile.id} reopens a determination, even for good "
                                f"cause, only until {situation.reopening_closed.isoformat()}: write the balance off",
                                [profile.reopening.late_rule] if profile.reopening.late_rule else [])
        return ActionChoice(Action.reopening, f"{why}: a clerical error is corrected through a reopening, not "
                            "an appeal (42 CFR 405.980(a)(3))",
                            ["a reopening does not extend the appeal window: if it is refused, appeal in time"],
                            step=profile.reopening)
    return ActionChoice(Action.corrected_claim, f"{why}: send a replacement claim",
                        ["frequency code 7 with the payer's original claim number"], step=profile.replacement)


def _new_claim(situation: Situation, why: str, send: str, notes: list[str], how: str) -> ActionChoice:
    """The claim goes in again as a new claim, which must meet the claim filing limit: once that
    has passed, a new claim would be refused, and the balance is written off."""
    passed = situation.filing_limit_passed
    if passed is not None:
        return ActionChoice(Action.adjust, f"{why}, but the claim filing limit passed on {passed.isoformat()}: a "
                            "new claim would be refused; write the balance off", [*notes, LATE_CLAIM_NOTE])
    return ActionChoice(Action.corrected_claim, f"{why}: {send}", [*notes, how], new_claim=True)


def _coordination(situation: Situation, found: Classification) -> ActionChoice:
    """Another payer pays first. Until the primary payer decides, nothing goes to this one; with
    its EOB, the payer's own way: a review with the EOB enclosed, or (Medicare) the claim billed
    again as secondary, which a redetermination cannot replace."""
    again = "ask for a reopening" if situation.profile.corrections == "reopening" else "send the claim again"
    record = ("if this payer is in fact primary on the date of service, the patient has the coordination-of-benefits "
              f"record corrected first; then {again}")
    if AttachmentKind.primary_eob not in situation.kinds:
        return _new_claim(situation, "coordination of benefits", "bill the primary payer first, then rebill with "
                          "its EOB", ["no primary EOB enclosed"], record)
    if situation.profile.secondary_claims == "review":
        return _review(situation, found, "coordination of benefits with the primary payer's EOB enclosed")
    return _new_claim(situation, "coordination of benefits with the primary payer's EOB", "bill the claim again "
                      f"as secondary, with the primary's payment on it (837 loop 2320); {situation.profile.id} does "
                      "not take it as a request for review", [], record)


def _refused(situation: Situation, found: Classification) -> ActionChoice:
    """The payer refused the correction (a reopening, a replacement claim, a retro authorization):
    asking again gets the same answer; what is left is the appeal path, if the denial has one."""
    if not found.appeal_rights:
        return ActionChoice(Action.adjust, "the correction was refused and the remark gives no appeal rights: adjust",
                            ["the remark gives no appeal rights"])
    return _review(situation, found, "the correction was refused (asking again would get the same answer)")


def _retro_authorization(situation: Situation, found: Classification) -> ActionChoice:
    """A request for retroactive authorization goes to the plan's utilization management, never
    to an appeals unit; a payer that takes none leaves the decision to a person."""
    step = situation.profile.retro_authorization
    if situation.choice.status == "corrected":
        return _refused(situation, found)
    if step is None:
        return ActionChoice(Action.review, f"no authorization enclosed, and {situation.profile.id} takes no "
                            "retroactive authorization requests: find the authorization, or decide between an "
                            "appeal with the records and an adjustment")
    return ActionChoice(Action.request_authorization, "no authorization enclosed: request a retro authorization "
                        f"from {step.decided_by or situation.profile.name}", step=step)


def _status(situation: Situation) -> ActionChoice | None:
    """What the appeal history alone decides."""
    choice = situation.choice
    if choice.status == "won":
        return ActionChoice(Action.none, choice.reason)
    if choice.status in ("pending", "remanded"):
        return ActionChoice(Action.check_status, choice.reason)
    if choice.status == "no_path":
        return ActionChoice(Action.review, choice.reason)
    return None


def _not_denied(found: Classification) -> ActionChoice:
    if found.pended:
        return ActionChoice(Action.check_status, "a line is held for a later decision (pended): check its status")
    if found.patient_liable:
        return ActionChoice(Action.bill_patient, "patient responsibility (deductible, coinsurance or copay)")
    return ActionChoice(Action.none, f"{found.category.value}: not a denial, nothing to dispute")


def choose_action(situation: Situation, found: Classification) -> ActionChoice:
    """Walk the decision tree; the first rule that applies decides."""
    decided = _status(situation)
    if decided is not None:
        return decided
    if not found.denied:
        return _not_denied(found)
    if found.unknown_denial:
        return ActionChoice(Action.review, f"{', '.join(found.unknown)} not in the code table: a person must "
                            "read the denial before anything is sent")
    if found.forced_action is Action.corrected_claim:
        return _correction(situation, found, "a remark code says the claim must be corrected")
    if found.forced_action is not None:
        return ActionChoice(found.forced_action, f"a remark code requires a {found.forced_action.value}",
                            [] if found.appeal_rights else ["the remark gives no appeal rights"])
    return _by_category(situation, found)


def _duplicate_notes(profile: PayerProfile) -> list[str]:
    """A claim denied as a duplicate of one never paid was denied by mistake: where the payer
    takes corrections by reopening, that is a clerical error it reopens (Medicare)."""
    if profile.corrections == "reopening":
        return ["if no earlier claim for these services was paid, the duplicate denial is a clerical error: ask for "
                "a reopening (42 CFR 405.980(a)(3)(iii)), not a redetermination"]
    return ["if no earlier claim for these services was paid, the duplicate denial is a mistake: ask the payer to "
            "reprocess the claim, showing how the services differ from the one it matched"]


def _coding_note(profile: PayerProfile) -> str:
    """The plan cannot know whether a code was billed wrong (no remittance says so): a coding
    denial, a modifier's most of all, is often our own error, corrected rather than argued."""
    how = ("a reopening for a clerical error (42 CFR 405.980(a)(3)), not a redetermination"
           if profile.corrections == "reopening" else "a corrected claim")
    return ("if a code, modifier or diagnosis was billed wrong, correct it instead: list the corrected claim "
            f"(attachments: corrected_claim) and the plan makes it {how}")


def _by_category(situation: Situation, found: Classification) -> ActionChoice:
    category, kinds = found.category, situation.kinds
    if category is Category.timely_filing:
        if AttachmentKind.proof_of_timely_filing in kinds and found.appeal_rights:
            return _review(situation, found, "timely filing with proof of timely filing enclosed")
        why = "no appeal rights (N211)" if not found.appeal_rights else "no proof of timely filing"
        notes = [] if found.appeal_rights else ["the remark gives no appeal rights"]
        return ActionChoice(Action.adjust, f"timely filing, {why}: write the balance off", notes)
    if not found.appeal_rights:
        return ActionChoice(Action.adjust, "the remark code gives no appeal rights: adjust")
    if found.group_action is Action.bill_patient and situation.profile.kind == "medicaid":
        return ActionChoice(Action.ask_client, f"group code rule: {'; '.join(found.notes)}; {MEDICAID_MEMBER}")
    if found.group_action is not None:
        return ActionChoice(found.group_action, f"group code rule: {'; '.join(found.notes)}")
    simple = {
        Category.contractual: (Action.none, "contractual adjustment: the contract amount, nothing to dispute"),
        Category.duplicate: (Action.check_status, "duplicate: check the original claim's status; do not appeal"),

        Category.patient_responsibility: (Action.bill_patient, "patient responsibility"),
    }
    if category is Category.eligibility:  # the rebill is a new claim: its filing limit runs from the service
        return ActionChoice(Action.verify_eligibility, "eligibility: verify the member ID and coverage, rebill the "
                            "right payer", [ELIGIBILITY_NOTE], new_claim=True)
    if category in simple:
        action, why = simple[category]
        return ActionChoice(action, why, _duplicate_notes(situation.profile) if category is Category.duplicate else [])
    if category is Category.coordination_of_benefits:
        return _coordination(situation, found)
    if category is Category.authorization:
        if AttachmentKind.authorization in kinds:
            return _review(situation, found, "authorization on file (enclosed)")
        return _retro_authorization(situation, found)
    if category is Category.coding:
        if AttachmentKind.corrected_claim in kinds:
            return _correction(situation, found, "coding error on our side")
        chosen = _review(situation, found, "no corrected claim enclosed, so the codes billed are argued as correct")
        if situation.choice.status == "corrected":  # a correction was refused already: argue the codes
            return chosen
        return replace(chosen, notes=[*chosen.notes, _coding_note(situation.profile)])
    if category is Category.benefit_maximum:
        if AttachmentKind.authorization in kinds:
            return _review(situation, found, "benefit maximum with an authorization on file")
        # DOMAIN.md: verify the payment history and authorization; with no authorization the client
        # decides between billing the patient, adjusting, and asking the payer.
        return ActionChoice(Action.ask_client, f"benefit maximum with no authorization; {_liability(found)}",
                            ["verify the payment history and whether an authorization exists before the client "
                             "decides"])
    if category is Category.coverage:
        result = _review(situation, found, "non-covered service")
        if result.action is situation.choice.level.action:
            result.notes.append("verify eligibility and authorization before asking for review")
        return result
    return _review(situation, found, category.value.replace("_", " "))


# --- a specialist overrules the plan ---------------------------------------------------------


def _level_for(situation: Situation, action: Action) -> Level | None:
    """The chosen level when it takes `action`, else the first later level that does."""
    levels = situation.profile.levels
    chosen = situation.choice.level
    start = levels.index(chosen) if chosen in levels else 0
    return next((lv for lv in [chosen, *levels[start:]] if lv.action is action), None)


def overrule(situation: Situation, wanted: Action, why: str) -> ActionChoice | str:
    """The action a specialist chose instead of the plan's, taken the way this payer takes it;
    a message when the payer has no way to take it."""
    profile = situation.profile
    if wanted in (Action.appeal, Action.reconsideration):
        level = _level_for(situation, wanted)
        if level is None:
            levels = ", ".join(f"{lv.id} ({lv.action.value})" for lv in profile.levels)
            return f"{profile.id} has no level that takes {wanted.value} (levels: {levels})"
        return ActionChoice(wanted, why, step=level)
    if wanted is Action.reopening:
        if profile.reopening is None:
            return f"{profile.id} takes no reopenings (corrections: {profile.corrections})"
        return ActionChoice(wanted, why, step=profile.reopening)
    if wanted is Action.request_authorization:
        if profile.retro_authorization is None:
            return f"{profile.id} takes no retroactive authorization requests (no retro_authorization step)"
        return ActionChoice(wanted, why, step=profile.retro_authorization)
    if wanted is Action.corrected_claim:
        replacement = profile.corrections == "replacement_claim"
        notes = [] if replacement else ["send a new claim (frequency code 1), not an appeal; it must meet the "
                                        "claim filing limit"]
        return ActionChoice(wanted, why, notes, step=profile.replacement if replacement else None,
                            new_claim=not replacement)
    return ActionChoice(wanted, why)

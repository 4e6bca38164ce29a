"""What comes next for a denial, decided by the plan's own rules (appeal level, action,
deadline) so the log and `appealgen plan` never disagree: the first step of a new denial, the
step a decision opens, and when to follow up on a request."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from appealgen.errors import InputError
from appealgen.log.model import DATED, Denial, Step
from appealgen.log.state import State
from appealgen.models import Appeal, AppealStep, Category, Decision
from appealgen.payers import Level, PayerProfile
from appealgen.plan import NEW_CLAIM, SUBMITTED, Plan, limits_passed, step_name
from appealgen.rules.classify import Classification, classify_codes
from appealgen.rules.codes import CodeTable
from appealgen.rules.deadlines import Deadline, aic_minimum, claim_filing_deadline, window_deadline
from appealgen.rules.decide import AGGREGATION, Situation, choose_action, choose_level

# When a level has no published decision timeframe (`decision_days` in the payer profile), a
# request is followed up after this many days: a house default, not a payer rule.
DEFAULT_DECISION_DAYS = 30


def first_step(plan: Plan, denied_on: date) -> Step:
    return Step(plan.level, plan.level_name, plan.action.value, plan.deadline if plan.action.value in DATED else None,
                plan.deadline_reason if plan.submitted else plan.action_reason, denied_on)


def follow_up_after(profile: PayerProfile, step: Step, sent_on: date) -> tuple[date, str]:
    """The next follow-up of a request sent on `sent_on`: when the reviewer's decision is due. A
    new claim is processed as any claim, not reviewed at the level whose id its step keeps."""
    if step.level_name == NEW_CLAIM:
        return sent_on + timedelta(days=DEFAULT_DECISION_DAYS), (
            f"a new claim: follow up after {DEFAULT_DECISION_DAYS} days if it has not been paid")
    try:
        level = profile.level(step.level)
    except InputError:  # the profile no longer has this level
        days, name = None, step.level
    else:
        days, name = level.decision_days, level.name
    if days is None:
        return sent_on + timedelta(days=DEFAULT_DECISION_DAYS), (
            f"{name} has no published decision timeframe: follow up after {DEFAULT_DECISION_DAYS} days")
    return sent_on + timedelta(days=days), f"{name} is decided within {days} days"


def options_after(state: State, outcome: Decision, on: date, profile: PayerProfile) -> list[str]:
    """The other ways out of a dismissal, with their dates, as the plan names them beside the
    step it chooses (a review of the dismissal, a request to vacate it): the step keeps one
    deadline, and the person must see the others before it passes."""
    if outcome is not Decision.dismissed:
        return []
    history = [*_history(state), AppealStep(level=state.step.level, date=on, outcome=outcome)]
    choice = choose_level(Appeal(history=history), profile, Category(state.denial.category), state.denial.denied_on,
                          on)
    return [note for note in choice.notes if note.startswith(("or ", "or, "))]


def _history(state: State) -> list[AppealStep]:
    return [AppealStep(level=e.level or state.step.level, date=e.on, outcome=Decision(e.outcome or "upheld"))
            for e in state.decisions]


def step_after(state: State, outcome: Decision, on: date, profile: PayerProfile, codes: CodeTable,
               at_stake: Decimal | None = None) -> Step:
    """The step an upheld, dismissed or partial decision at the current level opens: the next
    level (or the dismissal's review) with its deadline counted from the decision, or the final
    action when every level is used. The same calls, in the same order, as `make_plan` for a
    claim file whose appeal history holds these decisions. `at_stake`: what the decision leaves
    at stake (a partial one pays some), the next level's amount in controversy."""
    denial = state.denial
    history = [*_history(state), AppealStep(level=state.step.level, date=on, outcome=outcome)]
    found = classification(denial, codes.for_program(profile.kind))
    choice = choose_level(Appeal(history=history), profile, found.category, denial.denied_on, on)
    passed = limits_passed(profile, denial.recorded.first_dos, denial.denied_on, history, on)
    aic = state.remaining if at_stake is None else at_stake
    chosen = choose_action(Situation(set(), choice, profile, aic, aic_minimum(choice.level, on), *passed),
                           found)
    step = chosen.step or choice.level
    if chosen.action not in SUBMITTED and chosen.action.value not in DATED:
        reason = chosen.reason
        if AGGREGATION in chosen.notes:  # the client may aggregate claims to reach the minimum: its date stays in sight
            window = window_deadline(denial.denied_on, history, profile, step)
            reason += f"; aggregated with other claims to reach the minimum: {step.name} by {window.date}"
        return Step(step.id, step.name, chosen.action.value, None, reason, on)
    deadline = step_deadline(chosen.new_claim, denial.recorded.first_dos, denial.denied_on, history, profile, step)
    reason = deadline.reason if chosen.action in SUBMITTED else chosen.reason  # a review says why
    return Step(step.id, step_name(step, chosen.new_claim), chosen.action.value, deadline.date, reason, on)


def step_deadline(new_claim: bool, first_dos: date, denied_on: date, history: list[AppealStep],
                  profile: PayerProfile, step: Level) -> Deadline:
    """A new claim's filing limit, as the plan counts it; else the step's window."""
    if new_claim and profile.filing_limit is not None:
        return claim_filing_deadline(first_dos, profile.filing_limit)
    return window_deadline(denied_on, history, profile, step)


def classification(denial: Denial, codes: CodeTable) -> Classification:
    """The rules' reading of the denial's codes; the category recorded when it was opened wins
    (a claim file may state it, as `classify` lets it)."""
    facts = denial.recorded
    found = classify_codes(list(facts.carcs), list(facts.rarcs), codes)
    if found.category.value != denial.category:
        found.category = Category(denial.category)
        found.denied = True
    return found

"""The work queue: open denials ranked by priority = amount at stake x likelihood of recovery x
urgency, each row with the three factors so a specialist sees why it ranks where it does.

Likelihood of recovery, per payer and category, starts from a prior per category and moves to
the log's own outcomes as they accumulate (a beta prior worth PRIOR_WEIGHT decided appeals):

    likelihood = (prior x PRIOR_WEIGHT + won) / (PRIOR_WEIGHT + decided)

where an overturned decision counts 1 won, a partially overturned one 1/2, upheld 0 (a dismissal
decides nothing about the claim, and is not counted). The priors follow one published hospital
experience, Jefferson Health's three tiers (Relias Media, "Denials categorized based on
complexity", reliasmedia.com/articles/148008): billing,
coding and information requests about 90% overturned; registration, eligibility, coordination of
benefits and non-covered services about 75%; clinical (medical necessity) 20-30%, taken as 25%.
Where that source is silent the prior is ours, and says so. A denial whose next action asks the
payer for nothing (adjust, bill the patient, ask the client) has nothing to recover: likelihood 0.

Urgency rises as the deadline nears: 1 with 60 or more days left (or no date), in a straight
line to 10 at 7 days or fewer; a request awaiting the payer uses its follow-up date. A denial
whose filing deadline has passed is listed apart, as missed, with the good-cause path.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from appealgen.log.state import Standing, State
from appealgen.models import Action
from appealgen.payer_names import payer_label
from appealgen.plan import NEW_CLAIM, shown_action

PRIOR_WEIGHT = 20
TIER_BILLING, TIER_ACCESS, TIER_CLINICAL, UNKNOWN = 0.90, 0.75, 0.25, 0.50
TIER_DUPLICATE = 0.10
PRIORS: dict[str, tuple[float, str]] = {
    "coding": (TIER_BILLING, "coding denials, about 90% (published)"),
    "bundling": (TIER_BILLING, "coding denials, about 90% (published)"),
    "missing_information": (TIER_BILLING, "information requests, about 90% (published)"),
    # Not the published billing tier: that counts denials worked and resubmitted, while most duplicate
    # denials match a claim already paid or pending, and the plan checks its status, appealing nothing.
    "duplicate": (TIER_DUPLICATE, "duplicate denials, most of them of a claim already paid or pending: 10% (ours)"),
    "timely_filing": (TIER_BILLING, "billing denials, about 90% (published); only sent with proof of filing"),
    "eligibility": (TIER_ACCESS, "eligibility denials, about 75% (published)"),
    "coordination_of_benefits": (TIER_ACCESS, "coordination of benefits, about 75% (published)"),
    "coverage": (TIER_ACCESS, "non-covered services, about 75% (published)"),
    "authorization": (TIER_ACCESS, "registration-related, about 75% (ours: the source does not name it)"),
    "benefit_maximum": (TIER_ACCESS, "non-covered services, about 75% (ours: the source does not name it)"),
    "medical_necessity": (TIER_CLINICAL, "clinical denials, 20-30% (published)"),
}
UNKNOWN_PRIOR = (UNKNOWN, "no published figure: 50% (ours)")
WON = {"overturned": 1.0, "partially_overturned": 0.5, "upheld": 0.0}  # dismissals are not counted (live_outcomes)
NOTHING_TO_RECOVER = {Action.adjust.value, Action.bill_patient.value, Action.ask_client.value, Action.none.value}
RELAXED_DAYS, URGENT_DAYS, MOST_URGENT = 60, 7, 10.0
GOOD_CAUSE = "deadline passed: send it late with a statement of good cause, or record adjusted"

Outcomes = dict[tuple[str, str], tuple[float, int]]  # (payer, category) -> (won, decided)


def outcome_table(counts: Iterable[tuple[str, str, str, int]]) -> Outcomes:
    """(payer, category, outcome, count) rows of live decisions -> won and decided per pair."""
    table: Outcomes = {}
    for payer, category, outcome, count in counts:
        won, decided = table.get((payer, category), (0.0, 0))
        table[(payer, category)] = (won + WON.get(outcome, 0.0) * count, decided + count)
    return table


@dataclass(frozen=True)
class Likelihood:
    rate: float
    reason: str


def likelihood(payer: str, category: str, action: str, outcomes: Outcomes) -> Likelihood:
    if action in NOTHING_TO_RECOVER:
        return Likelihood(0.0, f"{action}: nothing to recover from the payer")
    prior, why = PRIORS.get(category, UNKNOWN_PRIOR)
    won, decided = outcomes.get((payer, category), (0.0, 0))
    rate = (prior * PRIOR_WEIGHT + won) / (PRIOR_WEIGHT + decided)
    return Likelihood(rate, f"prior {prior:.0%} ({why}) with {decided} decided here, {won:g} won")


def urgency(days_left: int | None) -> float:
    """1 at 60 or more days left (or no date), rising linearly to 10 at 7 or fewer."""
    if days_left is None or days_left >= RELAXED_DAYS:
        return 1.0
    if days_left <= URGENT_DAYS:
        return MOST_URGENT
    return 1.0 + (MOST_URGENT - 1.0) * (RELAXED_DAYS - days_left) / (RELAXED_DAYS - URGENT_DAYS)


@dataclass(slots=True)
class Row:
    practice: str
    claim_id: str
    payer: str
    category: str
    level: str
    status: str  # open (due), sent (awaiting a decision)
    next_action: str
    deadline: date | None
    days_left: int | None  # to the date this row is due: the deadline, or the follow-up
    follow_up: date | None
    owner: str | None
    amount: Decimal
    likelihood: float
    urgency: float
    priority: float
    why: str  # the likelihood's basis
    missed: bool = False
    note: str = ""
    denial_id: int = 0
    payer_name: str = ""  # as its remittance names it (`payer` is the payer profile)


@dataclass(frozen=True)
class Queue:
    as_of: date
    rows: list[Row]  # ranked, highest priority first (the first `limit` of them)
    missed: list[Row]  # filing deadline passed, largest amount first
    total: int  # rows ranked, shown or not
    total_missed: int


Chances = dict[tuple[str, str, str], Likelihood]


@dataclass(slots=True)
class Scored:
    """A denial's place in the queue, before it becomes a row (only shown rows do)."""

    standing: Standing
    action: str
    days_left: int | None
    chance: Likelihood
    urgency: float
    priority: float
    missed: bool


def score(standing: Standing, today: date, outcomes: Outcomes, chances: Chances) -> Scored:
    """Why an open denial ranks where it does. `chances` remembers each payer and category's
    likelihood across rows (a queue has 100,000s of rows, a few dozen pairs)."""
    s = standing
    if s.status == "sent":
        action, due = "follow_up", s.follow_up
    else:
        action, due = s.action, s.deadline if s.dated else None
    days_left = (due - today).days if due is not None else None
    key = (s.payer, s.category, s.action if s.action in NOTHING_TO_RECOVER else "")
    chance = chances.get(key)
    if chance is None:
        chance = chances[key] = likelihood(s.payer, s.category, s.action, outcomes)
    hurry = urgency(days_left)
    missed = s.status == "open" and s.dated and days_left is not None and days_left < 0
    return Scored(s, action, days_left, chance, hurry, round(float(s.remaining) * chance.rate * hurry, 2), missed)


def missed_note(state: State, today: date) -> str:
    """What is left once a step's deadline passed: good cause, or a write-off; after a dismissal,
    its review or a request to vacate it while their own dates are ahead."""
    return "; ".join([GOOD_CAUSE, *state.options_open(today)])


def row(scored: Scored, state: State, payer_name: str, today: date) -> Row:
    denial, step = state.denial, state.step
    return Row(
        practice=denial.practice, claim_id=denial.claim_id, payer=denial.payer, category=denial.category,
        level=step.taken_at, status=state.status, next_action=shown_action(scored.action, step.level_name == NEW_CLAIM),
        deadline=step.deadline,
        days_left=scored.days_left, follow_up=state.follow_up, owner=state.owner, amount=state.remaining,
        likelihood=scored.chance.rate, urgency=scored.urgency, priority=scored.priority, why=scored.chance.reason,
        missed=scored.missed, note=missed_note(state, today) if scored.missed else "", denial_id=denial.id or 0,
        payer_name=payer_label(payer_name) if payer_name else "",
    )


def _rank(s: Scored) -> tuple[float, int, str]:
    return -s.priority, s.days_left if s.days_left is not None else 10**6, s.standing.claim_id


def _largest(s: Scored) -> tuple[Decimal, str]:
    return -s.standing.remaining, s.standing.claim_id


@dataclass(frozen=True)
class Ranked:
    """The queue's order, before its rows are described."""

    as_of: date
    ranked: list[Scored]  # highest priority first (the first `limit` of them)
    missed: list[Scored]  # filing deadline passed, largest amount first
    total: int
    total_missed: int

    @property
    def denial_ids(self) -> list[int]:
        """The denials whose rows are shown."""
        return [s.standing.denial_id for s in (*self.ranked, *self.missed)]


def rank(standings: Iterable[Standing], today: date, outcomes: Outcomes, owner: str | None = None,
         due_within: int | None = None, limit: int | None = None) -> Ranked:
    """Open denials ranked, and those past their filing deadline (the largest first); only the
    first `limit` of each are kept (a table shows 50 of 100,000)."""
    chances: Chances = {}
    scored = [score(s, today, outcomes, chances) for s in standings
              if s.status != "closed" and (owner is None or s.owner == owner)]
    if due_within is not None:
        scored = [s for s in scored if s.days_left is not None and s.days_left <= due_within]
    live = [s for s in scored if not s.missed]
    late = [s for s in scored if s.missed]
    ranked = sorted(live, key=_rank) if limit is None else heapq.nsmallest(limit, live, key=_rank)
    missed = sorted(late, key=_largest) if limit is None else heapq.nsmallest(limit, late, key=_largest)
    return Ranked(today, ranked, missed, len(live), len(late))


def described(ranked: Ranked, state_of: Callable[[Standing], State], name_of: Callable[[State], str]) -> Queue:
    """The rows of a ranking, each from the state of its denial and the payer's name."""
    def made(scored: Scored) -> Row:
        state = state_of(scored.standing)
        return row(scored, state, name_of(state), ranked.as_of)

    return Queue(ranked.as_of, [made(s) for s in ranked.ranked], [made(s) for s in ranked.missed], ranked.total,
                 ranked.total_missed)


def recorded_name(state: State) -> str:
    """The payer's name the denial's opening recorded ("" when read without its facts)."""
    return state.denial.facts.payer_name if state.denial.facts is not None else ""


def build_queue(states: Iterable[State], today: date, outcomes: Outcomes, owner: str | None = None,
                due_within: int | None = None, limit: int | None = None,
                name_of: Callable[[State], str] = recorded_name) -> Queue:
    """The queue of these states, stored or not (the log ranks what it stores: `api.work_queue`)."""
    made = {id(standing): (standing, state) for state in states for standing in (state.standing(),)}
    ranked = rank((standing for standing, _ in made.values()), today, outcomes, owner, due_within, limit)
    return described(ranked, lambda standing: made[id(standing)][1], name_of)

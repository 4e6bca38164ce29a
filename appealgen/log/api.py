"""The tracking log's library entry points: what `appealgen log ...`, `queue` and `deadlines`
call. Each opens the log for one command and closes it."""

from __future__ import annotations

import getpass
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from appealgen.collector import gc_paused
from appealgen.documents import did_you_mean
from appealgen.errors import InputError, InputErrors
from appealgen.log.db import Log, open_location
from appealgen.log.deadlines import Due, due_items
from appealgen.log.queue import Queue, described, outcome_table, rank
from appealgen.log.record import DEFAULT_PRACTICE, Entry, Recorded, record, resolve_practice
from appealgen.log.show import History, history
from appealgen.log.state import State
from appealgen.log.store import (
    Filters,
    current_by_id,
    load_current,
    load_standings,
    payer_names,
    replayed_by_id,
)
from appealgen.log.tables import denials, events
from appealgen.log.where import locate
from appealgen.models import Category
from appealgen.payers import PayerProfile, load_payer, profile_ids
from appealgen.rules.deadlines import send_by
from appealgen.settings import Settings

if TYPE_CHECKING:
    from appealgen.log.importer import ImportResult
    from appealgen.toolkit import Toolkit

USER_ENV = "APPEALGEN_USER"
CATEGORIES = [category.value for category in Category]


def default_who() -> str:
    """Who is recording: $APPEALGEN_USER, else the login name."""
    try:
        return os.environ.get(USER_ENV) or getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (some containers)
        return "unknown"


def open_log(settings: Settings, create: bool = True) -> Log:
    return open_location(locate(settings), create)


@contextmanager
def opened(settings: Settings, create: bool = False) -> Iterator[tuple[Log, Toolkit]]:
    from appealgen.toolkit import Toolkit  # templates, PDFs: only the commands that plan need it

    with open_log(settings, create) as log, Toolkit(settings) as tools:
        yield log, tools


def practice_of(settings: Settings, given: str | None) -> str | None:
    """The practice named on the command line, else the workspace's (appealgen.yaml)."""
    return given or settings.file.practice


def import_files(settings: Settings, remittances: list[Path], submitted: list[Path], practice: str | None,
                 who: str) -> ImportResult:
    from appealgen.log.importer import ImportResult, import_remittances
    from appealgen.log.submitted import import_submitted

    chosen = practice_of(settings, practice) or DEFAULT_PRACTICE
    with opened(settings, create=True) as (log, tools):
        result = ImportResult()
        if remittances:
            result = import_remittances(log, tools, settings.today, remittances, chosen, who)
        payers = profile_ids(settings.workspace)
        for path in submitted:
            try:
                result.files.append(import_submitted(log, path, payers, chosen, who))
            except (InputError, InputErrors) as error:
                result.errors.append(error)
        return result


def record_entry(settings: Settings, claim_id: str, entry: Entry, practice: str | None) -> Recorded:
    with opened(settings) as (log, tools), log.writing() as conn:
        return record(conn, tools, settings.today, practice_of(settings, practice), claim_id, entry)


def show(settings: Settings, claim_id: str, practice: str | None) -> History:
    with open_log(settings, create=False) as log, log.reading() as conn:
        return history(conn, resolve_practice(conn, practice_of(settings, practice), claim_id), claim_id)


def live_outcomes(conn: Connection, today: date) -> list[tuple[str, str, str, int]]:
    """Decisions on the merits not voided and made by `today`, counted by payer, category and
    outcome (the whole log: likelihoods learn from every practice's outcomes with a payer). A
    dismissal decides nothing about the claim, as the report's overturn rate counts it."""
    voided = select(events.c.voids).where(events.c.voids.is_not(None))
    query = (select(denials.c.payer, denials.c.category, events.c.outcome, func.count())
             .join(denials, denials.c.id == events.c.denial_id)
             .where(events.c.kind == "decision", events.c.id.not_in(voided), events.c.outcome != "dismissed",
                    events.c.on_date <= today)
             .group_by(denials.c.payer, denials.c.category, events.c.outcome))
    return [(payer, category, outcome, count) for payer, category, outcome, count in conn.execute(query)]


@dataclass(frozen=True)
class QueueFilters:
    practice: str | None = None
    owner: str | None = None
    payer: str | None = None
    category: str | None = None
    due_within: int | None = None


def work_queue(settings: Settings, chosen: QueueFilters, limit: int | None = None) -> Queue:
    known = profile_ids(settings.workspace)
    if chosen.payer is not None and chosen.payer not in known:  # an empty queue would read as "nothing to do"
        raise InputError("--payer", None, f"unknown payer profile {chosen.payer!r} (known: {', '.join(known)}); the "
                         "queue filters by payer profile, the report names payers as their remittances do")
    if chosen.category is not None and chosen.category not in CATEGORIES:  # an empty queue would read as done
        hint = did_you_mean(chosen.category.replace("-", "_"), CATEGORIES)
        raise InputError("--category", None, f"unknown category {chosen.category!r}{hint} (known: "
                         f"{', '.join(CATEGORIES)})")
    with open_log(settings, create=False) as log, log.reading() as conn:
        if chosen.practice is not None:
            refuse_unknown_practice(conn, chosen.practice)
        outcomes = outcome_table(live_outcomes(conn, settings.today))
        filters = Filters(chosen.practice, chosen.payer, chosen.category)
        with gc_paused():  # a standing and a score per denial: 100,000s of objects, no cycles
            if limit is None:  # every row is shown: every state is read, and ranked as it is
                states = {state.denial.id or 0: state for state in load_current(conn, filters)}
                ranked = rank((state.standing() for state in states.values()), settings.today, outcomes,
                              chosen.owner, chosen.due_within)
            else:
                ranked = rank(load_standings(conn, filters), settings.today, outcomes, chosen.owner,
                              chosen.due_within, limit)
                states = current_by_id(conn, ranked.denial_ids)
            states.update(replayed_by_id(conn, [s.standing.denial_id for s in ranked.missed]))  # with their events
            names = payer_names(conn, ranked.denial_ids)
            return described(ranked, lambda standing: states[standing.denial_id],
                             lambda state: names.get(state.denial.id or 0, ""))


def refuse_unknown_practice(conn: Connection, practice: str) -> None:
    """A practice the log holds no denial of: refused, with those it holds, not shown as no work."""
    held = sorted(conn.execute(select(denials.c.practice).distinct()).scalars())
    if practice not in held:
        raise InputError("--practice", None, f"the log holds no denials of practice {practice!r}"
                         f"{did_you_mean(practice, held)} (it holds: {', '.join(held) or 'none yet'})")


def deadlines(settings: Settings, practice: str | None) -> list[Due]:
    with open_log(settings, create=False) as log, log.reading() as conn:
        states = load_current(conn, Filters(practice=practice))
    profiles: dict[str, PayerProfile | None] = {}
    return due_items(states, settings.today, lambda state: mailing_day(settings, profiles, state))


def mailing_day(settings: Settings, profiles: dict[str, PayerProfile | None], state: State) -> date:
    """The day a step's request must leave to reach the payer by its deadline, as the plan says
    it (`send by`): the payer's delivery for the level and its transit days."""
    step, payer = state.step, state.denial.payer
    assert step.deadline is not None  # due_items asks only of a dated step
    if payer not in profiles:
        try:
            profiles[payer] = load_payer(settings.workspace, payer)
        except (InputError, InputErrors):  # a profile gone or broken since: the deadline itself
            profiles[payer] = None
    profile = profiles[payer]
    try:
        level = profile.level(step.level) if profile is not None else None
    except InputError:  # the profile no longer has the level
        level = None
    if profile is None or level is None:
        return step.deadline
    return send_by(step.deadline, profile.delivery_for(level), profile).date

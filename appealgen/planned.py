"""The plan for one item of a run, as build, batch, letters and the template tools need it:
the claim completed with its practice's details, its payer profile, and the plan (with the
specialist's `--action` when given) naming the template files it will use."""

from __future__ import annotations

from typing import NamedTuple

from appealgen.claim_dates import impossible_date
from appealgen.errors import InputError
from appealgen.models import Claim
from appealgen.payers import PayerProfile
from appealgen.plan import SUBMITTED, Plan, make_plan
from appealgen.practice import with_practice
from appealgen.readiness import as_the_payer_writes_it
from appealgen.settings import Settings
from appealgen.sources.items import Item
from appealgen.toolkit import Toolkit


class Planned(NamedTuple):
    profile: PayerProfile
    plan: Plan
    claim: Claim  # the item's claim with the practice's details filled in


def plan_item(settings: Settings, tools: Toolkit, item: Item) -> Planned:
    """The plan for the claim completed with the practice's details, with the specialist's
    `--action` if given (a fax cover never reaches a recipient without a fax: the profile's
    `cover_for` picks the transmittal cover, and a profile that asks otherwise fails to load)."""
    impossible = impossible_date(item.claim, settings.today)
    if impossible is not None:
        raise InputError(item.origin, *impossible)
    claim = with_practice(item.claim, settings.file)
    profile = tools.profile(claim.payer, item.origin)
    if settings.delivery:
        profile = profile.sent_by(settings.delivery)
    claim = as_the_payer_writes_it(claim, profile)
    wanted = (settings.action, settings.action_reason or "", "--action") if settings.action else None
    plan = make_plan(claim, profile, tools.codes(), settings.today, item.origin, tools.policies(), wanted)
    if settings.delivery and plan.delivery != settings.delivery and plan.action in SUBMITTED:
        raise InputError(item.origin, "--delivery", f"{settings.delivery}, but the recipient at {plan.level_name} "
                         "has no fax number (the payer profile gives none); packet not written")
    workspace, payer = settings.workspace, claim.payer
    files = {"letter_file": workspace.describe_file(workspace.template("letters", plan.letter, payer)),
             "cover_file": workspace.describe_file(workspace.template("cover_sheets", plan.cover, payer))}
    return Planned(profile, plan.model_copy(update=files), claim)

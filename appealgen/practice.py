"""The practice's own details on every claim: what the claim file (or the 835) leaves out comes
from the workspace's `practices` (appealgen.yaml, by NPI), and what the letter and the payer
need but nobody gave is a finding that names the field."""

from __future__ import annotations

from appealgen.models import Claim, Provider, Requester
from appealgen.payers import PayerProfile
from appealgen.report import Finding, problem
from appealgen.settings import Practice, WorkspaceFile

# What every letter's letterhead and signature block print (rubric: name, title, organisation,
# phone, fax, email): a request without them is not one a reviewer can answer.
SIGNATURE_FIELDS = ("address", "phone", "fax", "email", "requester.name", "requester.title")
DETAILS = ("tax_id", "ptan", "medicaid_id", "address", "phone", "fax", "email", "contact")
UNNAMED_PAYEE = "(payee not named)"  # what a claim from an 835 without a payee name carries
WHERE = "set the details in appealgen.yaml (practices, by NPI) or in the claim file's provider"


def practice_for(claim: Claim, file: WorkspaceFile) -> Practice | None:
    npi = claim.provider.npi
    return file.practices.get(npi) if npi else None


def _name(claim: Claim, practice: Practice) -> str:
    """The claim's provider name, unless it gives none or only what the 835 called the payee (a
    claim file that renames the provider keeps its own)."""
    name = claim.provider.name
    from_remittance = claim.remittance is not None and name in (claim.remittance.payee_name, UNNAMED_PAYEE)
    return practice.name if practice.name and (from_remittance or not name) else name


def with_practice(claim: Claim, file: WorkspaceFile) -> Claim:
    """The claim with its provider completed from the workspace's practice of the same NPI;
    every value the claim states itself wins."""
    practice = practice_for(claim, file)
    if practice is None:
        return claim
    given = claim.provider
    values = {key: getattr(given, key) or getattr(practice, key) for key in DETAILS}
    requester = Requester(name=given.requester.name or practice.requester.name,
                          title=given.requester.title or practice.requester.title)
    provider = Provider(name=_name(claim, practice), npi=given.npi, requester=requester, **values)
    return claim.model_copy(update={"provider": provider})


def _value(provider: Provider, dotted: str) -> object:
    value: object = provider
    for part in dotted.split("."):
        value = getattr(value, part)
    return value


def detail_findings(provider: Provider, profile: PayerProfile) -> list[Finding]:
    """The details the payer asks for (its `provider_ids`) and those the letter prints that are
    missing: a problem naming each field, never a letter with "n/a" in it."""
    findings = []
    if not provider.name:
        findings.append(problem("provider.missing", f"provider.name missing: the letterhead, the cover sheet and the "
                                f"signature block print it; {WHERE}"))
    if provider.npi is None:
        findings.append(problem("provider.npi_missing", "provider.npi is missing; payers need the NPI on every "
                                "request"))
    ids = [f"provider.{key}" for key in profile.provider_ids if key != "npi" and _value(provider, key) is None]
    if ids:
        findings.append(problem("provider.missing", f"{', '.join(ids)} missing: {profile.id} asks for "
                                f"{'it' if len(ids) == 1 else 'them'} on every request; {WHERE}"))
    block = [f"provider.{key}" for key in SIGNATURE_FIELDS if _value(provider, key) is None]
    if block:
        findings.append(problem("provider.missing", f"{', '.join(block)} missing: the letterhead and signature "
                                f"block print {'it' if len(block) == 1 else 'them'}; {WHERE}"))
    return findings

"""Dates a claim cannot hold: a denial or a decision dated after today, a service after its
denial, a patient born after the service. Each is a typing error that would move a deadline
(a denial a year late hides one that has passed), so the claim is refused before it is planned.
Messages name the field, never the date (it is the patient's)."""

from __future__ import annotations

from datetime import date

from appealgen.models import Claim


def impossible_date(claim: Claim, today: date) -> tuple[str, str] | None:
    """The first impossible date as (field, why), or None."""
    if claim.denial.date > today:
        return "denial.date", f"the denial is dated after today ({today.isoformat()}); a typing error?"
    for index, line in enumerate(claim.service_lines):
        if line.dos > claim.denial.date:
            return f"service_lines[{index}].dos", "the service is dated after the denial; a typing error?"
        if claim.patient.dob is not None and claim.patient.dob > line.dos:
            return "patient.dob", "the patient is born after a date of service; a typing error?"
    for index, step in enumerate(claim.appeal.history):
        if step.date > today:
            return f"appeal.history[{index}].date", f"the decision is dated after today ({today.isoformat()})"
        if step.date < claim.denial.date:
            return f"appeal.history[{index}].date", "the decision is dated before the denial it decides"
    return None

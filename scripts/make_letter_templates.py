"""Bootstrap the shipped Word letter templates (templates/letters/*.docx).

Billing leads edit the .docx files in Word from then on; run this only to recreate a
template from scratch (it overwrites). Tags are docxtpl/Jinja: {{ }}, {%p %}, {%tr %}.
"""

from __future__ import annotations

import sys
from pathlib import Path

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Pt, RGBColor

HEAD = [
    "{{ today | long_date }}",
    "",
    "{{ to.name }}",
    "{%p for line in to.address %}",
    "{{ line }}",
    "{%p endfor %}",
]

# The denial codes each keep their own group (CO-50, PR-2): the plan lists them.
CODES = (
    "{% if plan.denial_codes %} with reason code{{ 's' if plan.denial_codes | length > 1 }} "
    "{{ plan.denial_codes | join(', ') }}{% endif %}"
    "{% if plan.remarks %} and remark{{ 's' if plan.remarks | length > 1 }} {{ plan.remarks | join(', ') }}{% endif %}"
)
OPENING = (
    "{{ provider.name }} requests {{ plan.level_name | lower }} of the claim above, denied on "
    "{{ denial.date | long_date }}" + CODES
)
ARGUMENT = ["{%p for para in argument_paragraphs %}", "{{ para }}", "{%p endfor %}"]
REPROCESS = (
    "We ask that you reverse the denial and reprocess the claim for payment of "
    "{{ claim.billed_total | money }} less any applicable patient responsibility."
)


def review(subject: str, why: str, *closing: str) -> dict[str, object]:
    return {
        "subject": "RE: Request for {{ plan.level_name | lower }}: " + subject,
        "body": ["To the reviewer:", OPENING + why, *ARGUMENT, *closing],
    }


LETTERS: dict[str, dict[str, object]] = {
    "medical_necessity": review(
        "the item or service was medically necessary",
        " as not medically necessary. We disagree: the enclosed records show that the patient met "
        "the coverage criteria on the date of service.",
        "{%p if plan.cite_lcd %}",
        "The denial cites a local coverage determination (LCD). The enclosed records address each of "
        "its coverage criteria; we ask the reviewer to apply the LCD to the documentation as a whole.",
        "{%p endif %}",
        "The treating practitioner's order, the clinical notes and the test results enclosed with this "
        "request document the diagnosis, the face-to-face evaluation and the need for the item as billed. "
        + REPROCESS,
    ),
    "non_covered": review(
        "the service is covered",
        " as a non-covered service. The patient's coverage was active on the date of service, the "
        "service is a benefit of the patient's plan when its criteria are met, and they were met.",
        "The enclosed medical records and order show that the service was provided under the "
        "conditions the plan covers. " + REPROCESS,
    ),
    "authorization": {
        "subject": "RE: {% if plan.action.value == 'request_authorization' %}Request for retroactive "
                   "authorization{% else %}Request for {{ plan.level_name | lower }}: authorization was on "
                   "file{% endif %}",
        "body": [
            "To the reviewer:",
            "{%p if plan.action.value == 'request_authorization' %}",
            "{{ provider.name }} requests retroactive authorization for the services on the claim above, "
            "denied on {{ denial.date | long_date }}" + CODES + " because no authorization was on file.",
            "{%p else %}",
            OPENING + " because no prior authorization was found. A valid authorization covered these "
            "services on the dates they were provided; the enclosed approval shows its number, the "
            "approved codes and the approved dates.",
            "{%p endif %}",
            *ARGUMENT,
            "We ask that you match the claim to the authorization, reverse the denial and reprocess the "
            "claim for payment of {{ claim.billed_total | money }} less any applicable patient responsibility.",
        ],
    },
    "missing_information": review(
        "the missing information is enclosed",
        " because information or documentation was missing. The documents requested are enclosed "
        "with this letter and listed below.",
        "With these documents the claim is complete. " + REPROCESS,
    ),
    "coding": review(
        "the procedure code billed was correct",
        " on the grounds that the procedure code does not match the service or the diagnosis. "
        "The code billed is correct and is supported by the enclosed documentation.",
        "The enclosed operative or visit notes describe the procedure performed, and the diagnosis "
        "codes on the claim are those documented by the treating practitioner. No corrected claim is "
        "needed. " + REPROCESS,
    ),
    "bundling": review(
        "the service was separate and distinct",
        " as included in another service. The service was separate and distinct from the service it "
        "was bundled with: it was performed at a different session, site or encounter, as the modifier "
        "on the claim indicates and the enclosed notes document.",
        "Because the procedures were distinct, the National Correct Coding Initiative edit does not "
        "apply to this pair. We ask that you pay the service separately. " + REPROCESS,
    ),
    "eligibility": review(
        "the patient was covered on the date of service",
        " because the patient's coverage could not be confirmed. The patient was enrolled under "
        "member ID {{ patient.member_id }} on every date of service on this claim.",
        "The enclosed eligibility verification confirms the coverage. " + REPROCESS,
    ),
    "timely_filing": review(
        "the claim was filed on time",
        " as filed after the time limit. The claim was filed within the time limit: the enclosed "
        "proof of timely filing (the clearinghouse or payer acceptance report) shows the date the claim "
        "was received.",
        "Because the original submission was timely, the filing limit does not bar payment. " + REPROCESS,
    ),
    "coordination_of_benefits": review(
        "process the claim as secondary",
        " for coordination of benefits. The primary payer has processed the claim; its explanation of "
        "benefits is enclosed.",
        "We ask that you process the claim as the secondary payer, using the primary payer's payment "
        "shown on the enclosed EOB.",
    ),
    "benefit_maximum": review(
        "the benefit limit does not bar payment",
        " as exceeding a benefit maximum. The enclosed payment history and authorization show that "
        "the services on this claim fall within the approved benefit.",
        REPROCESS,
    ),
    "corrected_claim": {
        "subject": "RE: Corrected claim for payer claim number {{ claim.payer_claim_number or claim.claim_id }}",
        "body": [
            "To the claims department:",
            "{%p if plan.new_claim %}",
            "Enclosed is a new claim (claim frequency code 1) with the information corrected. The claim "
            "above, returned on {{ denial.date | long_date }}" + CODES + ", could not be processed; this new "
            "claim is not an appeal. Please process it as a new claim.",
            "{%p else %}",
            "Enclosed is a corrected claim (claim frequency code 7) replacing the claim above, which was "
            "processed on {{ denial.date | long_date }}" + CODES + ". This is a corrected claim, not an "
            "appeal: please process it in place of the original.",
            "{%p endif %}",
            *ARGUMENT,
            "The lines of the corrected claim are listed above. Please reprocess the claim for payment.",
        ],
    },
    "reopening": {
        "subject": "RE: Request for reopening to correct a clerical error, payer claim number "
                   "{{ claim.payer_claim_number or claim.claim_id }}",
        "body": [
            "To the reopenings unit:",
            "{{ provider.name }} requests a reopening of the claim above, processed on "
            "{{ denial.date | long_date }}" + CODES + ", to correct a minor clerical error on our claim. "
            "This is a request for reopening, not a request for redetermination: the error is one of form "
            "(such as a wrong or missing modifier, a wrong date of service or a transposed code), and we ask "
            "that it be corrected under the reopening rules for clerical errors.",
            "The lines of the claim as we billed them are listed above. The correction is:",
            *ARGUMENT,
            "{%p if not argument_paragraphs %}",
            "The corrected information is shown on the enclosed corrected claim form.",
            "{%p endif %}",
            "Please reopen the claim, make the correction and reprocess it for payment. This request is "
            "made within one year of the initial determination. Please contact "
            "{{ provider.contact or provider.name }}{% if provider.phone %} at {{ provider.phone }}{% endif %} "
            "with any question.",
        ],
    },
    "peer_to_peer": {
        "subject": "RE: Request for a peer-to-peer review",
        "body": [
            "To the medical director:",
            "The treating practitioner requests a peer-to-peer review with the medical reviewer who "
            "denied the claim above on {{ denial.date | long_date }}" + CODES + ".",
            *ARGUMENT,
            "Please contact {{ provider.contact or provider.name }}{% if provider.phone %} at "
            "{{ provider.phone }}{% endif %} to schedule the call. The clinical records are enclosed so "
            "that the reviewer can prepare.",
        ],
    },
}


def add_lines_table(document: Document) -> None:
    headers = ["Date of service", "Code", "Diagnosis", "Units", "Billed", "Paid", "Denial codes"]
    table = document.add_table(rows=4, cols=len(headers))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, headers, strict=True):
        cell.text = text
        cell.paragraphs[0].runs[0].bold = True
    table.rows[1].cells[0].text = "{%tr for line in lines %}"
    values = [
        "{{ line.dos | us_date }}",
        "{{ line.label }}",
        "{{ line.diagnosis | join(', ') }}",
        "{{ line.units }}",
        "{{ line.billed | money }}",
        "{{ line.paid | money }}",
        "{{ line.codes | join(', ') }} {{ line.rarc | join(', ') }}",
    ]
    for cell, text in zip(table.rows[2].cells, values, strict=True):
        cell.text = text
    table.rows[3].cells[0].text = "{%tr endfor %}"
    for row in table.rows:
        for cell in row.cells:
            for paragraph in cell.paragraphs:
                for run in paragraph.runs:
                    run.font.size = Pt(9)


def make(name: str, spec: dict[str, object], out: Path) -> None:
    document = Document()
    style = document.styles["Normal"]
    style.font.name = "Liberation Serif"
    style.font.size = Pt(11)
    style.paragraph_format.space_after = Pt(6)
    head = document.add_paragraph()
    run = head.add_run("{{ provider.name }}")
    run.bold = True
    run.font.size = Pt(14)
    meta = document.add_paragraph()
    meta_run = meta.add_run(
        "{% if provider.address %}{{ provider.address }} · {% endif %}"
        "{% if provider.phone %}Phone {{ provider.phone }} · {% endif %}"
        "{% if provider.fax %}Fax {{ provider.fax }} · {% endif %}NPI {{ provider.npi or 'not stated' }}"
        "{% if provider.ptan %} · PTAN {{ provider.ptan }}{% endif %}"
        "{% if provider.tax_id %} · Tax ID {{ provider.tax_id }}{% endif %}"
    )
    meta_run.font.size = Pt(8.5)
    meta_run.font.color.rgb = RGBColor(0x33, 0x33, 0x33)
    for line in HEAD:
        document.add_paragraph(line).paragraph_format.space_after = Pt(0)
    subject = document.add_paragraph()
    subject.paragraph_format.space_before = Pt(10)
    subject.add_run(str(spec["subject"])).bold = True
    facts = [
        "Patient: {{ patient.first_name }} {{ patient.last_name }}{% if patient.dob %} · Date of birth: {{ patient.dob | us_date }}{% endif %}",
        "Member ID: {{ patient.member_id }} · Account: {{ claim.claim_id }}",
        "Payer claim number: {{ claim.payer_claim_number or 'not stated' }} · Denial date: {{ denial.date | us_date }}",
    ]
    for line in facts:
        document.add_paragraph(line).paragraph_format.space_after = Pt(0)
    add_lines_table(document)
    document.add_paragraph("")
    for text in spec["body"]:  # type: ignore[attr-defined]
        document.add_paragraph(text)
    document.add_paragraph("{%p if good_cause %}")
    gc = document.add_paragraph()
    gc.add_run("Good cause for late filing. ").bold = True
    gc.add_run("{{ good_cause }}")
    document.add_paragraph("{%p endif %}")
    document.add_paragraph("Enclosed:")
    document.add_paragraph("{%p for e in enclosures %}")
    document.add_paragraph("{{ e }}", style="List Bullet")
    document.add_paragraph("{%p endfor %}")
    document.add_paragraph("Sincerely,")
    document.add_paragraph("")
    for line in ("{{ provider.contact or 'Billing department' }}", "{{ provider.name }}"):
        document.add_paragraph(line).paragraph_format.space_after = Pt(0)
    for paragraph in document.paragraphs:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.LEFT
    document.save(str(out / f"{name}.docx"))


def main() -> None:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("templates/letters")
    for name, spec in LETTERS.items():
        make(name, spec, out)
        print(f"wrote {out / name}.docx")


if __name__ == "__main__":
    main()

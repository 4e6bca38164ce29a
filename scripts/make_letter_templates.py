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
    "{{ payer.name }}",
    "{%p for line in payer.address %}",
    "{{ line }}",
    "{%p endfor %}",
]

LETTERS = {
    "medical_necessity": {
        "subject": "RE: Request for {{ plan.level_name | lower }}: the item was medically necessary",
        "body": [
            "To the reviewer:",
            "{{ provider.name }} requests {{ plan.level_name | lower }} of the claim above, denied on "
            "{{ denial.date | long_date }} with reason code{{ 's' if denial.carc | length > 1 }} "
            "{% if denial.group %}{{ denial.group }}-{% endif %}{{ denial.carc | join(', ') }}"
            "{% if denial.rarc %} and remark{{ 's' if denial.rarc | length > 1 }} {{ denial.rarc | join(', ') }}{% endif %}"
            " as not medically necessary. We disagree: the enclosed records show that the patient met "
            "the coverage criteria for the item on the date of service.",
            "{%p for para in argument_paragraphs %}",
            "{{ para }}",
            "{%p endfor %}",
            "The treating practitioner's order, the clinical notes and the test results enclosed with this "
            "request document the diagnosis, the face-to-face evaluation and the need for the item as billed. "
            "We ask that you reverse the denial and reprocess the claim for payment of "
            "{{ claim.billed_total | money }} less any applicable patient responsibility.",
        ],
    },
    "coding": {
        "subject": "RE: Request for {{ plan.level_name | lower }}: the procedure code billed was correct",
        "body": [
            "To the reviewer:",
            "{{ provider.name }} requests {{ plan.level_name | lower }} of the claim above, denied on "
            "{{ denial.date | long_date }} with reason code{{ 's' if denial.carc | length > 1 }} "
            "{% if denial.group %}{{ denial.group }}-{% endif %}{{ denial.carc | join(', ') }}"
            "{% if denial.rarc %} and remark{{ 's' if denial.rarc | length > 1 }} {{ denial.rarc | join(', ') }}{% endif %}"
            " on the grounds that the procedure code does not match the service or the diagnosis. "
            "The code billed is correct and is supported by the operative documentation.",
            "{%p for para in argument_paragraphs %}",
            "{{ para }}",
            "{%p endfor %}",
            "The enclosed operative report describes the procedure performed, and the diagnosis codes on "
            "the claim are those documented by the surgeon. No corrected claim is needed. We ask that you "
            "reverse the denial and reprocess the claim for payment of {{ claim.billed_total | money }} "
            "less any applicable patient responsibility.",
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
        "{{ line.code }}{% for m in line.modifiers %}-{{ m }}{% endfor %}",
        "{{ line.diagnosis | join(', ') }}",
        "{{ line.units }}",
        "{{ line.billed | money }}",
        "{{ line.paid | money }}",
        "{% if line.group %}{{ line.group }}-{% endif %}{{ line.carc | join(', ') }} {{ line.rarc | join(', ') }}",
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
        "{% if provider.fax %}Fax {{ provider.fax }} · {% endif %}NPI {{ provider.npi }}"
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
        "Patient: {{ patient.first_name }} {{ patient.last_name }} · Date of birth: {{ patient.dob | us_date }}",
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

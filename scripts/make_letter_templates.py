"""Bootstrap the shipped Word letter templates (templates/letters/*.docx).

Billing leads edit the .docx files in Word from then on; run this only to recreate a
template from scratch (it overwrites). Tags are docxtpl/Jinja: {{ }}, {%p %}, {%tr %}.

Every letter has the same frame, the one a payer's reviewer checks line by line: letterhead,
addressee, a RE: block with the payer's claim number, the patient and the provider, a table of
only the disputed lines, the request in the first paragraph, the argument, the filing window
with its dates, the enclosures in packet order, and the full signature block. A document is
named only under the test that it is enclosed ({% if enclosed.KIND %}).
"""

from __future__ import annotations

import sys
from pathlib import Path

from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Pt, RGBColor

Body = list[str]
BULLET = "• "  # a paragraph starting with this is a bulleted list item (the marker is not printed)
KEEP = "^"  # a paragraph starting with this is kept on the page of the next one

# "with reason codes CO-50 and remark code N115": exactly the codes of the table above it.
CODES = (
    "{% if codes %} with reason code{{ 's' if codes | length > 1 }} {{ codes | join(', ') }}{% endif %}"
    "{% if remarks %}{{ ' and' if codes else ' with' }} remark code{{ 's' if remarks | length > 1 }} "
    "{{ remarks | join(', ') }}{% endif %}"
)
PATIENT = "{{ patient.first_name }} {{ patient.last_name }}"
AMOUNT = "{{ amount_requested | money }}"
OPENING = (
    "{{ provider.name }} requests {{ request }} of the denial of {{ items }} for " + PATIENT + ", "
    "{{ service_dates }}, {{ seeking }} " + AMOUNT + ". {% if paid_in_part %}The claim was paid in part; the amount "
    "requested was denied on {{ denial.date | long_date }}{% else %}The claim was denied on "
    "{{ denial.date | long_date }}{% endif %}" + CODES + "."
)
# A later level answers the decision before it: its date, who made it and the reason it gave.
PREVIOUS: Body = [
    "{%p if previous %}",
    "The {{ previous_level }} decision of {{ previous.date | long_date }} by {{ previous_by }} "
    "{{ previous_outcome }} the denial{% if previous.reason %}, giving as its reason: "
    "\u201c{{ previous.reason.rstrip('.') }}.\u201d{% else %}.{% endif %}{% if enclosed.decision_notice %} The notice of that decision "
    "is enclosed.{% endif %} That reason does not hold, for the reasons below.",
    "{%p endif %}",
]
ARGUMENT: Body = ["{%p for para in argument_paragraphs %}", "{{ para }}", "{%p endfor %}"]
# Without argument text, the facts the claim file records: never generic sentences.
FACTS: Body = [
    "{%p if not argument_paragraphs and facts %}",
    "{{ \"The enclosed records show:\" if enclosed.progress_notes or enclosed.medical_records else "
    "\"The patient's medical record shows:\" }}",
    "{%p for fact in facts %}",
    BULLET + "{% if fact.date %}{{ fact.date | us_date }}: {% endif %}{{ fact.text }}",
    "{%p endfor %}",
    "{%p endif %}",
]
DIAGNOSES = (
    "{% if diagnoses %} The diagnosis on the claim is {{ diagnoses | join(', ') }}, as the treating "
    "practitioner recorded it.{% endif %}"
)
# The coverage policy, and which of its criteria the enclosed records address (by document).
POLICY: Body = [
    "{%p for policy in policies %}",
    "The {{ policy.kind }} that applies is {{ policy.id }}, {{ policy.title }}{% if policy.article %} (policy "
    "article {{ policy.article }}){% endif %}. {{ 'The enclosed records address its criteria as follows:' if "
    "policy.addressed else 'Its criteria are:' if policy.criteria else '' }}",
    "{%p for item in policy.addressed %}",
    BULLET + "{{ item.criterion[:1] | upper }}{{ item.criterion[1:] }}{% if item.documents %}: "
    "{{ item.documents | join('; ') }}{% endif %}.",
    "{%p endfor %}",
    "{%p if not policy.addressed %}",
    "{%p for text in policy.criteria %}",
    BULLET + "{{ text[:1] | upper }}{{ text[1:] }}.",
    "{%p endfor %}",
    "{%p endif %}",
    "{%p endfor %}",
    "{%p if policy_missing %}",
    "[Coverage policy not stated for {{ policy_missing | join(', ') }}: name the LCD, NCD or plan policy in "
    "appeal.policy before this letter is sent.]",
    "{%p endif %}",
]
ABN: Body = [  # a GA line denied CO: the beneficiary, not the provider, is liable (the plan requires the notice)
    "{%p if enclosed.abn and payer.kind == 'medicare' %}",
    "If {{ 'any of these items is' if disputed | length > 1 else 'the item is' }} found not reasonable and "
    "necessary, {{ provider.name }} is not liable for it: before the service the beneficiary signed the enclosed "
    "advance beneficiary notice (CMS-R-131), which told them in writing that Medicare would probably not pay, "
    "and modifier GA on the claim says so. Under section 1879 of the Social Security Act (42 CFR 411.404) the "
    "beneficiary is then liable: we ask that the denial's group code be changed from CO to PR.",
    "{%p endif %}",
]
# What the payer found: no authorization (197), its units exceeded (198), not the service authorized (N54).
AUTHORIZATION_DENIAL = (
    "{% if authorization_denial == 'exceeded' %} The denial states that the services went beyond the units or "
    "visits authorized. They did not: the authorization in force covered the units billed on {{ 'these dates' if "
    "disputed | length > 1 else 'this date' }}.{% elif authorization_denial == 'mismatch' %} The denial states "
    "that the claim differs from the service authorized. It does not: {{ 'the services billed are those' if "
    "disputed | length > 1 else 'the service billed is the one' }} authorized, on the dates authorized."
    "{% elif authorization_denial == 'refused' %} The denial states that no prior authorization was on file, "
    "and the plan's utilization management has since refused to authorize {{ 'the services' if disputed | "
    "length > 1 else 'the service' }} after the fact. {{ 'They were' if disputed | length > 1 else 'It was' }} "
    "medically necessary when provided, and could not wait for an authorization, as the enclosed records show."
    "{% else %} The denial states that no prior authorization was on file. A valid authorization covered {{ "
    "'these services on the dates they were' if disputed | length > 1 else 'this service on the date it was' }}"
    " provided.{% endif %}"
)
# "the line" or "the lines" above, as many as the table lists
LISTED = " for {{ 'the lines' if disputed | length > 1 else 'the line' }} listed above."
REPROCESS = "We ask that you {{ relief }} " + AMOUNT + LISTED
WINDOW: Body = [
    "{%p if window.late %}",
    "This request is filed after the {{ window.length }} allowed from {{ window.start_label }} dated "
    "{{ window.start | long_date }}, which ended on {{ window.deadline | long_date }}."
    "{% if good_cause %} {{ 'Good cause for reopening (42 CFR 405.986)' if plan.action.value == 'reopening' "
    "else 'Good cause for the late filing' }}: {{ good_cause }}{% elif window.any_time %} As the request corrects "
    "a clerical error, it may come all the same: {{ window.any_time }}.{% endif %}",
    "{%p else %}",
    "{{ 'This corrected claim is sent' if plan.action.value == 'corrected_claim' else 'This request is filed' }} "
    "within the time allowed: {{ window.length }} from {{ window.start_label }} dated {{ window.start | long_date }}"
    "{% if window.receipt_days %} (presumed received {{ window.received | long_date }}){% endif %}, that is, by "
    "{{ window.deadline | long_date }}.",
    "{%p endif %}",
]


def review(subject: str, opening_tail: str, *argument: str) -> dict[str, object]:
    """A request for review on the merits: the request, the previous decision, the argument."""
    return {
        "subject": "{{ plan.level_name }} request: " + subject,
        "body": [OPENING + opening_tail, *PREVIOUS, *argument],
    }


LETTERS: dict[str, dict[str, object]] = {
    "medical_necessity": review(
        "{{ ('the ' ~ item_word ~ 's were') if disputed | length > 1 else ('the ' ~ item_word ~ ' was') }} "
        "medically necessary",
        " {% if frequency_denied %}The denial states that the number or frequency of {{ item_word }}s billed is not "
        "supported. {{ 'They were' if disputed | length > 1 else 'It was' }} medically necessary in the number billed"
        "{% else %}The denial states that {{ ('these ' ~ item_word ~ 's were') if disputed | length > 1 else "
        "('this ' ~ item_word ~ ' was') }} not medically necessary. {{ 'They were' if disputed | length > 1 else "
        "'It was' }} medically necessary{% endif %}: the patient met the coverage criteria on the date of service"
        "{% if enclosed.progress_notes or enclosed.medical_records %}, as the enclosed records show{% endif %}."
        + DIAGNOSES,
        *ARGUMENT, *FACTS, *POLICY, *ABN, REPROCESS,
    ),
    "non_covered": review(
        "the service is covered",
        " The denial states that the service is not covered. It is a benefit of the patient's coverage when its "
        "criteria are met, and they were met on the date of service." + DIAGNOSES,
        *ARGUMENT, *FACTS, *POLICY,
        "{%p if enclosed.progress_notes or enclosed.medical_records or enclosed.prescription %}",
        "The enclosed {% if enclosed.prescription %}order{% if enclosed.progress_notes or "
        "enclosed.medical_records %} and {% endif %}{% endif %}{% if enclosed.progress_notes or "
        "enclosed.medical_records %}records{% endif %} show that the service was provided under the conditions "
        "the coverage requires.",
        "{%p endif %}",
        REPROCESS,
    ),
    "authorization": review(
        "{{ 'the services were medically necessary' if authorization_denial == 'refused' else 'an authorization "
        "covered the services' }}",
        AUTHORIZATION_DENIAL,
        *ARGUMENT,
        "{%p if enclosed.authorization %}",
        "The enclosed authorization approval shows its number and the approved codes, units and dates, which "
        "cover every line listed above.",
        "{%p endif %}",
        "We ask that you {{ '' if authorization_denial == 'refused' else 'match the claim to the authorization, ' }}"
        "{{ relief }} " + AMOUNT + LISTED,
    ),
    "retro_authorization": {
        "subject": "Request for retroactive authorization",
        "greeting": "To utilization management:",
        "body": [
            "{{ provider.name }} requests retroactive authorization of {{ items }} for " + PATIENT + ", "
            "{{ service_dates }}. The plan denied the claim on {{ denial.date | long_date }}" + CODES
            + " because no authorization was on file.",
            *ARGUMENT, *FACTS,
            "{%p if enclosed.progress_notes or enclosed.medical_records %}",
            "The enclosed records document the medical need for the services on the dates they were provided."
            + DIAGNOSES,
            "{%p endif %}",
            "We ask that you authorize the services for the dates listed above, so that the claim can be "
            "reprocessed for payment of " + AMOUNT + ".",
        ],
    },
    "missing_information": review(
        "the information asked for is enclosed",
        " The denial states that information or documentation was missing.",
        "{%p if enclosed.progress_notes or enclosed.medical_records or enclosed.prescription or "
        "enclosed.delivery_ticket or enclosed.cmn %}",
        "The documents asked for are enclosed:{% if enclosed.prescription %} the written order;{% endif %}"
        "{% if enclosed.progress_notes %} the progress notes;{% endif %}{% if enclosed.medical_records %} the "
        "medical records;{% endif %}{% if enclosed.delivery_ticket %} the proof of delivery;{% endif %}"
        "{% if enclosed.cmn %} the certificate of medical necessity;{% endif %} each is listed below.",
        "{%p endif %}",
        *ARGUMENT, *FACTS,
        "With this information the claim is complete. " + REPROCESS,
    ),
    "coding": review(
        "the codes billed were correct",
        " {% if modifier_denied %}The denial states that the procedure code is inconsistent with the modifier "
        "billed, or that a required modifier is missing. The codes and modifiers billed ({{ items }}) are correct: "
        "each modifier is the one the service requires.{% if '25' in distinct_modifiers %} Modifier 25 marks a "
        "significant, separately identifiable evaluation and management service, beyond the usual care of the "
        "other service or procedure of that day, and the record documents it apart from that service.{% endif %}"
        "{% else %}The denial states that a code billed does not fit "
        "the service, the diagnosis or the patient. The codes billed are correct and consistent with each other."
        "{% endif %}" + DIAGNOSES,
        *ARGUMENT,
        "{%p if enclosed.medical_records or enclosed.progress_notes %}",
        "The enclosed {{ 'records' if enclosed.medical_records else 'progress notes' }} "
        "describe the service performed, which is the service the code "
        "describes, and the diagnosis codes on the claim are those the treating practitioner documented.",
        "{%p endif %}",
        REPROCESS,
    ),
    "bundling": review(
        "the service was separate and distinct",
        " The denial states that the service is included in another service. It was separate and distinct{% if "
        "distinct_modifiers %}, as modifier{{ 's' if distinct_modifiers | length > 1 }} {{ distinct_modifiers | "
        "join(', ') }} on the claim show{{ 's' if distinct_modifiers | length == 1 }}{% else %} from the service it "
        "was bundled with{% endif %}.",
        *ARGUMENT,
        "{%p if enclosed.medical_records or enclosed.progress_notes %}",
        "The enclosed notes document the separate service.",
        "{%p endif %}",
        "Because the services were distinct, the edit that bundled them does not apply. " + REPROCESS,
    ),
    "eligibility": review(
        "the patient was covered on the date of service",
        " The denial states that the patient's coverage could not be confirmed. The patient was enrolled under "
        "member ID {{ patient.member_id }} on every date of service listed above.",
        *ARGUMENT,
        REPROCESS,
    ),
    "timely_filing": review(
        "the claim was filed on time",
        " The denial states that the claim was filed after the time limit. It was filed within the limit.",
        *ARGUMENT,
        "{%p if enclosed.proof_of_timely_filing %}",
        "The enclosed proof of timely filing shows the date the claim was first received, within the "
        "filing limit.",
        "{%p endif %}",
        REPROCESS,
    ),
    "coordination_of_benefits": review(
        "process the claim as the secondary payer",
        " The denial concerns coordination of benefits: the primary payer has now processed the claim.",
        *ARGUMENT,
        "{%p if enclosed.primary_eob %}",
        "The primary payer's explanation of benefits is enclosed; it shows what the primary payer paid.",
        "{%p endif %}",
        "We ask that you process the claim as the secondary payer and pay " + AMOUNT + " or the balance your "
        "coordination rules allow.",
    ),
    "benefit_maximum": review(
        "the benefit limit does not bar payment",
        " The denial states that a benefit maximum was reached. The services on this claim fall within the "
        "approved benefit.",
        *ARGUMENT,
        "{%p if enclosed.authorization %}",
        "The enclosed authorization approves the services listed above.",
        "{%p endif %}",
        REPROCESS,
    ),
    "corrected_claim": {
        "subject": "Corrected claim (frequency code 7) replacing claim {{ claim.payer_claim_number }}",
        "greeting": "To the claims department:",
        "body": [
            "{{ provider.name }} sends a corrected claim for " + PATIENT + ", {{ service_dates }}, replacing "
            "claim number {{ claim.payer_claim_number }}, which was processed on {{ denial.date | long_date }}"
            + CODES + ". The corrected claim carries claim frequency code 7 and the original claim number. This "
            "is a corrected claim, not an appeal: please process it in place of the original claim.",
            "{%p if correction %}",
            "What changed: {{ correction }}",
            "{%p endif %}",
            *ARGUMENT,
            "{%p if enclosed.corrected_claim %}",
            "The corrected claim form is enclosed and lists every line of the original claim.",
            "{%p endif %}",
            "Please process the corrected claim for payment of " + AMOUNT + LISTED,
        ],
    },
    "reopening": {
        "subject": "Request for reopening to correct a clerical error",
        "greeting": "To the reopenings unit:",
        "body": [
            "{{ provider.name }} requests a reopening of claim number {{ claim.payer_claim_number }} for "
            + PATIENT + ", {{ service_dates }}, to correct a clerical error on our claim, {{ seeking }} "
            + AMOUNT + ". The claim was processed on {{ denial.date | long_date }}" + CODES + ". This is a "
            "request for reopening, not for redetermination: the error is one of form, and we ask that it be "
            "corrected under the reopening rules for clerical errors (42 CFR 405.980).",
            "{%p if correction %}",
            "The correction: {{ correction }}",
            "{%p endif %}",
            *ARGUMENT,
            "Please reopen the claim, make the correction and pay " + AMOUNT + LISTED,
        ],
    },
    "peer_to_peer": {
        "subject": "Request for a peer-to-peer review",
        "greeting": "To the medical director:",
        "body": [
            "The treating practitioner requests a peer-to-peer review with the medical reviewer who denied "
            "{{ items }} for " + PATIENT + ", {{ service_dates }}, on {{ denial.date | long_date }}" + CODES + ".",
            *ARGUMENT, *FACTS,
            "Please call {{ signer.name }} at {{ signer.phone }} to schedule the review. The denied amount is "
            + AMOUNT + ".",
        ],
    },
}


def keep_with_next(paragraph: object) -> None:
    paragraph.paragraph_format.keep_with_next = True  # type: ignore[attr-defined]


def add_sign_line(document: DocumentObject) -> None:
    """Without the practice's signature image, a line to sign by hand (Medicare dismisses an
    unsigned request, 42 CFR 405.944(b))."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    paragraph = document.add_paragraph()
    keep_with_next(paragraph)
    paragraph.paragraph_format.space_before = Pt(20)
    paragraph.paragraph_format.space_after = Pt(3)
    paragraph.paragraph_format.right_indent = Pt(260)
    borders, bottom = OxmlElement("w:pBdr"), OxmlElement("w:bottom")
    for key, value in (("w:val", "single"), ("w:sz", "6"), ("w:space", "1"), ("w:color", "000000")):
        bottom.set(qn(key), value)
    borders.append(bottom)
    paragraph._p.get_or_add_pPr().insert_element_before(  # schema order: pBdr before spacing and ind
        borders, "w:shd", "w:tabs", "w:spacing", "w:ind", "w:jc")


def small(paragraph: object, size: float = 9.0) -> None:
    for run in paragraph.runs:  # type: ignore[attr-defined]
        run.font.size = Pt(size)
        run.font.color.rgb = RGBColor(0x33, 0x33, 0x33)


def add_lines_table(document: DocumentObject) -> None:
    """Only the disputed lines; a total row when there are several."""
    headers = ["Date of service", "Item", "Units", "Billed", "Denied", "Denial codes"]
    table = document.add_table(rows=6, cols=len(headers))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.LEFT
    for cell, text in zip(table.rows[0].cells, headers, strict=True):
        cell.text = text
        cell.paragraphs[0].runs[0].bold = True
    table.rows[1].cells[0].text = "{%tr for d in disputed %}"
    values = [
        "{{ d.dos | us_date }}{% if d.dos_to and d.dos_to != d.dos %} to {{ d.dos_to | us_date }}{% endif %}",
        "{{ d.label }}",
        "{{ d.units }}",
        "{{ d.billed | money }}",
        "{{ d.denied | money }}",
        "{{ (d.codes + d.remarks) | join(', ') }}",
    ]
    for cell, text in zip(table.rows[2].cells, values, strict=True):
        cell.text = text
    table.rows[3].cells[0].text = "{%tr endfor %}"
    table.rows[4].cells[0].text = "{%tr if disputed | length > 1 %}"
    total = table.rows[5].cells
    label = total[0].merge(total[3])
    label.text = "Amount requested ({{ amount_basis }})"
    amount = total[4].merge(total[5])
    amount.text = AMOUNT
    end = table.add_row().cells
    end[0].text = "{%tr endif %}"
    for row in table.rows:
        for cell in row.cells:
            for paragraph in cell.paragraphs:
                for run in paragraph.runs:
                    run.font.size = Pt(9)


def add_body(document: DocumentObject, body: Body) -> None:
    for text in body:
        keep = text.startswith(KEEP)
        text = text.removeprefix(KEEP)
        if text.startswith(BULLET):
            paragraph = document.add_paragraph(text.removeprefix(BULLET), style="List Bullet")
            paragraph.paragraph_format.space_after = Pt(2)
        else:
            paragraph = document.add_paragraph(text)
        if keep:
            keep_with_next(paragraph)


def add_head(document: DocumentObject) -> None:
    head = document.add_paragraph()
    run = head.add_run("{{ provider.name }}")
    run.bold = True
    run.font.size = Pt(14)
    head.paragraph_format.space_after = Pt(0)
    meta = document.add_paragraph(
        "{% if provider.address %}{{ provider.address }}{% endif %}{% if provider.phone %} · Phone "
        "{{ provider.phone }}{% endif %}{% if provider.fax %} · Fax {{ provider.fax }}{% endif %}"
        "{% if provider.email %} · {{ provider.email }}{% endif %}"
    )
    small(meta, 8.5)
    meta.paragraph_format.space_after = Pt(12)
    for line in ("{{ today | long_date }}", "", "{{ to.name }}", "{%p for line in to.address %}", "{{ line }}",
                 "{%p endfor %}", "{%p if plan.delivery == 'fax' and to.fax %}", "By fax to {{ to.fax }}",
                 "{%p endif %}"):
        document.add_paragraph(line).paragraph_format.space_after = Pt(0)


def add_re_block(document: DocumentObject, subject: str) -> None:
    paragraph = document.add_paragraph()
    paragraph.paragraph_format.space_before = Pt(10)
    paragraph.paragraph_format.space_after = Pt(2)
    paragraph.add_run("RE: " + subject).bold = True
    facts = [
        "Patient: " + PATIENT + "{% if patient.dob %} · Date of birth: {{ patient.dob | us_date }}{% endif %} · "
        "{{ member_label }}: {{ patient.member_id }}{% if patient.address %} · Address: {{ patient.address }}"
        "{% endif %}",
        "{% if claim.payer_claim_number %}{{ claim_number_label }}: {{ claim.payer_claim_number }} · {% endif %}"
        "Account: {{ claim.claim_id }} · Denial date: {{ denial.date | us_date }}{% if previous %} · "
        "{{ previous_level | capitalize }} decision: {{ previous.date | us_date }}{% if previous.case_number %} "
        "({{ case_number_label }} {{ previous.case_number }}){% endif %}{% endif %}",
        "Provider: {{ provider.name }}{% if provider.npi %} · NPI {{ provider.npi }}{% endif %}"
        "{% if ptan %} · PTAN {{ ptan }}{% endif %}"
        "{% if provider.tax_id %} · Tax ID {{ provider.tax_id }}{% endif %}"
        "{% if medicaid_id %} · Medicaid\u00a0ID\u00a0{{ medicaid_id }}{% endif %}",  # kept on one line with its number
    ]
    for line in facts:
        document.add_paragraph(line).paragraph_format.space_after = Pt(0)
    document.add_paragraph("").paragraph_format.space_after = Pt(0)


def add_closing(document: DocumentObject) -> None:
    """The enclosures, then the filing window kept on one page with the signature block (so no
    page ever holds only a signature)."""
    add_body(document, [
        KEEP + "Enclosed{{ \", in the order of the packet's index\" if in_packet }} ({{ enclosures | length }} "
        "document{{ 's' if enclosures | length != 1 }}):",
        "{%p for e in enclosures %}",
        BULLET + "{{ e }}",
        "{%p endfor %}",
    ])
    add_body(document, [text if text.startswith("{%") else KEEP + text for text in WINDOW])
    add_body(document, [KEEP + "Sincerely,", "{%p if signature %}", KEEP + "{{ signature }}", "{%p else %}"])
    add_sign_line(document)
    add_body(document, ["{%p endif %}"])
    block = ["{{ signer.name }}", "{{ signer.title }}", "{{ signer.organisation }}",
             "{% if signer.phone %}Phone {{ signer.phone }}{% endif %}{% if signer.fax %} · Fax {{ signer.fax }}"
             "{% endif %}{% if signer.email %} · {{ signer.email }}{% endif %}",
             "Date: {{ today | long_date }}"]
    for n, line in enumerate(block):
        paragraph = document.add_paragraph(line)
        paragraph.paragraph_format.space_after = Pt(0)
        if n < len(block) - 1:
            keep_with_next(paragraph)


W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
UNUSED_PARTS = ("stylesWithEffects", "customXml", "thumbnail")  # relationship types, by their last word


def used_styles(document: DocumentObject) -> set[str]:
    """The styles the letter uses (in its text and its numbering), the default ones, and the
    styles those are based on, continue with or are linked to."""
    styles = {s.get(f"{W}styleId"): s for s in document.styles.element.iterfind(f"{W}style")}
    roots = [document.element, *(p.element for p in document.part.package.iter_parts()
                                 if p.partname.endswith("/numbering.xml"))]
    wanted = [e.get(f"{W}val") for root in roots for e in root.iter(f"{W}pStyle", f"{W}rStyle", f"{W}tblStyle")]
    wanted += [i for i, s in styles.items() if s.get(f"{W}default") == "1"]
    kept: set[str] = set()
    while wanted:
        style_id = wanted.pop()
        if style_id in kept or style_id not in styles:
            continue
        kept.add(style_id)
        wanted += [e.get(f"{W}val") for tag in ("basedOn", "next", "link")
                   for e in styles[style_id].iterfind(f"{W}{tag}")]
    return kept


def slim(document: DocumentObject) -> None:
    """python-docx's blank document carries every built-in style (350 KB), a second copy of them
    with Word 2010 effects (440 KB), a thumbnail and a custom XML part. docxtpl reads and
    writes all of it, and LibreOffice parses it, for every letter: about 45 ms a letter. Word
    still offers every built-in style (it knows them; the latent-style list stays) and writes a
    style into the file when it is first used."""
    kept = used_styles(document)
    for style in list(document.styles.element.iterfind(f"{W}style")):
        if style.get(f"{W}styleId") not in kept:
            document.styles.element.remove(style)
    for owner in (document.part, document.part.package):
        for rel_id, rel in list(owner.rels.items()):
            if rel.reltype.rsplit("/", 1)[-1] in UNUSED_PARTS:
                del owner.rels[rel_id]


def make(name: str, spec: dict[str, object], out: Path) -> None:
    document = Document()
    style = document.styles["Normal"]
    style.font.name = "Liberation Serif"
    style.font.size = Pt(10.5)
    style.paragraph_format.space_after = Pt(5)
    section = document.sections[0]
    section.top_margin = section.bottom_margin = Pt(54)
    section.left_margin = section.right_margin = Pt(64)
    add_head(document)
    add_re_block(document, str(spec["subject"]))
    add_lines_table(document)
    document.add_paragraph("").paragraph_format.space_after = Pt(0)
    document.add_paragraph(str(spec.get("greeting", "{{ greeting }}")))
    add_body(document, spec["body"])  # type: ignore[arg-type]
    add_closing(document)
    for paragraph in document.paragraphs:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.LEFT
    document.core_properties.title = f"appealgen letter template: {name}"
    document.core_properties.author = "appealgen"
    slim(document)
    document.save(str(out / f"{name}.docx"))


def main() -> None:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("templates/letters")
    for name, spec in LETTERS.items():
        make(name, spec, out)
        print(f"wrote {out / name}.docx")


if __name__ == "__main__":
    main()

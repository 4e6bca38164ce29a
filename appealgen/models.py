"""The claim-file contract as pydantic models (see DESIGN.md, "Claim file")."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from datetime import date
from decimal import Decimal
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Annotated

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator


class AttachmentKind(StrEnum):
    remittance_advice = "remittance_advice"
    cmn = "cmn"
    prescription = "prescription"
    progress_notes = "progress_notes"
    authorization = "authorization"
    medical_records = "medical_records"
    delivery_ticket = "delivery_ticket"
    corrected_claim = "corrected_claim"
    medical_necessity_letter = "medical_necessity_letter"
    proof_of_timely_filing = "proof_of_timely_filing"
    primary_eob = "primary_eob"
    decision_notice = "decision_notice"  # the previous level's decision (e.g. redetermination notice)
    abn = "abn"  # the advance beneficiary notice (CMS-R-131) the beneficiary signed before the service
    other = "other"


# How the index and the letter name a document that has no title of its own.
KIND_LABELS = {
    AttachmentKind.remittance_advice: "Remittance advice",
    AttachmentKind.cmn: "Certificate of medical necessity",
    AttachmentKind.prescription: "Written order",
    AttachmentKind.progress_notes: "Progress notes",
    AttachmentKind.authorization: "Authorization approval",
    AttachmentKind.medical_records: "Medical records",
    AttachmentKind.delivery_ticket: "Proof of delivery",
    AttachmentKind.corrected_claim: "Corrected claim form",
    AttachmentKind.medical_necessity_letter: "Letter of medical necessity",
    AttachmentKind.proof_of_timely_filing: "Proof of timely filing",
    AttachmentKind.primary_eob: "Primary payer's explanation of benefits",
    AttachmentKind.decision_notice: "Decision notice",
    AttachmentKind.abn: "Advance beneficiary notice (ABN)",
    AttachmentKind.other: "Document",
}


class Category(StrEnum):
    medical_necessity = "medical_necessity"
    coverage = "coverage"
    authorization = "authorization"
    missing_information = "missing_information"
    coding = "coding"
    bundling = "bundling"
    eligibility = "eligibility"
    timely_filing = "timely_filing"
    duplicate = "duplicate"
    coordination_of_benefits = "coordination_of_benefits"
    benefit_maximum = "benefit_maximum"
    contractual = "contractual"
    patient_responsibility = "patient_responsibility"  # deductible, coinsurance, copay: not a denial
    other = "other"


# How letters and reports name a category in words.
CATEGORY_LABELS = {
    "medical_necessity": "medical necessity",
    "coverage": "non-covered service",
    "authorization": "authorization",
    "missing_information": "missing information",
    "coding": "coding",
    "bundling": "bundling",
    "eligibility": "eligibility",
    "timely_filing": "timely filing",
    "duplicate": "duplicate claim",
    "coordination_of_benefits": "coordination of benefits",
    "benefit_maximum": "benefit maximum",
    "contractual": "contractual adjustment",
    "patient_responsibility": "patient responsibility",
    "other": "other",
}


class Action(StrEnum):
    """What to do about a denial. Part of the contract (plan JSON, packet.json): extend, never rename."""

    appeal = "appeal"
    reconsideration = "reconsideration"
    corrected_claim = "corrected_claim"
    request_authorization = "request_authorization"
    verify_eligibility = "verify_eligibility"
    check_status = "check_status"
    adjust = "adjust"
    bill_patient = "bill_patient"
    none = "none"
    reopening = "reopening"  # a clerical error corrected by the payer reopening its own determination
    review = "review"  # nothing is sent: a person must look (e.g. a reason code the table does not know)
    ask_client = "ask_client"  # nothing is sent: the practice decides (adjust, or bill a liable patient)


class Decision(StrEnum):
    """The outcome of an appeal step. One word per outcome everywhere (claim file, plan, log)."""

    upheld = "upheld"
    overturned = "overturned"
    partially_overturned = "partially_overturned"
    pending = "pending"
    dismissed = "dismissed"  # not a decision on the merits: a dismissal path may follow


# Older claim files wrote a partial overturn as `partial`; it is still read.
DECISION_ALIASES = {"partial": Decision.partially_overturned}


# Cached: an 835 repeats the payee's NPI on every claim (thousands of times in one file).
@lru_cache(maxsize=4096)
def luhn_npi(value: str) -> str:
    """NPI check digit: Luhn over the 9 digits prefixed with the card issuer 80840."""
    if not re.fullmatch(r"\d{10}", value):
        raise ValueError("NPI must be 10 digits")
    digits = [int(c) for c in "80840" + value]
    total = 0
    for i, d in enumerate(reversed(digits)):
        if i % 2 == 1:
            d *= 2
            d = d - 9 if d > 9 else d
        total += d
    if total % 10:
        raise ValueError("NPI check digit is wrong")
    return value


def _money(value: Decimal) -> Decimal:
    if value < 0:
        raise ValueError("amount must not be negative")
    if value.as_tuple().exponent < -2:  # type: ignore[operator]
        raise ValueError("amount has more than two decimal places")
    return value


TEMPLATE_NAME = re.compile(r"(builtin:)?[A-Za-z0-9_-][A-Za-z0-9_.-]*(/[A-Za-z0-9_-][A-Za-z0-9_.-]*)*")
# An amount as people and billing systems type it: "$1,234.50". Commas only as thousands
# separators: "1,5" is not read as 15.
US_AMOUNT = re.compile(r"\$?\s*(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?")


def plain_amount(value: object) -> object:
    """"$1,234.50" -> "1234.50"; anything else as it is (validation then says what is wrong)."""
    if isinstance(value, str) and (found := US_AMOUNT.fullmatch(value.strip())):
        return found.group(1).replace(",", "") + (found.group(2) or "")
    return value


Money = Annotated[Decimal, BeforeValidator(plain_amount), AfterValidator(_money)]
Npi = Annotated[str, AfterValidator(luhn_npi)]
CARC_PATTERN = r"^[A-Z]?\d{1,3}$"
RARC_PATTERN = r"^(M|MA|N)\d{1,3}$"
GROUP_PATTERN = r"^(CO|PR|OA|PI|CR)$"


def code_text(value: object) -> object:
    """`carc: [50]` as people type it in YAML (a number) is the code "50"."""
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


Carc = Annotated[str, BeforeValidator(code_text), Field(pattern=CARC_PATTERN)]
Rarc = Annotated[str, Field(pattern=RARC_PATTERN)]
Group = Annotated[str, Field(pattern=GROUP_PATTERN)]
# A claim id names the output folder and appears on every stamp: keep it a file name that is
# safe on any file system (no trailing dot, no Windows device name such as CON or LPT1).
MAX_CLAIM_ID = 64
WINDOWS_DEVICES = {"CON", "PRN", "AUX", "NUL", *(f"COM{n}" for n in range(10)), *(f"LPT{n}" for n in range(10))}


def _portable_name(value: str) -> str:
    if value.endswith("."):
        raise ValueError("must not end with a dot (not a valid folder name on Windows)")
    if value.split(".")[0].upper() in WINDOWS_DEVICES:
        raise ValueError(f"{value.split('.')[0].upper()} is a reserved device name on Windows; choose another id")
    return value


CLAIM_ID_PATTERN = rf"^[A-Za-z0-9][A-Za-z0-9._-]{{0,{MAX_CLAIM_ID - 1}}}$"
ClaimId = Annotated[str, Field(pattern=CLAIM_ID_PATTERN), AfterValidator(_portable_name)]


def stated_claim_id(value: object) -> str | None:
    """The claim id a file states for a claim that could not be read, when it is a valid claim id
    (the batch summary names the claim by it); None otherwise: a wrong column may hold a name,
    and a spreadsheet would run a cell that starts with '='."""
    if not isinstance(value, str) or not re.fullmatch(CLAIM_ID_PATTERN, value):
        return None
    try:
        return _portable_name(value)
    except ValueError:
        return None


PAYER_ID_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,63}$"
MEMBER_ID_PATTERN = r"^[A-Za-z0-9-]{3,30}$"


def plain(text: str) -> str:
    """Letters and digits only, in capitals: an ID, a claim number or a name compared however a
    page prints it ("3KQ7-HN4-TR62", "Testwell,")."""
    return re.sub(r"[^A-Z0-9]", "", text.upper())


# Letters that do not decompose into a base letter and its accents, as they are written without them.
_UNACCENTED = str.maketrans({"ß": "ss", "ẞ": "SS", "Ø": "O", "ø": "o", "Ł": "L", "ł": "l", "Æ": "AE", "æ": "ae",
                             "Œ": "OE", "œ": "oe", "Đ": "D", "đ": "d", "Þ": "Th", "þ": "th", "ı": "i"})
_COMBINING = re.compile(r"[\u0300-\u036f]")


def unaccented(text: str) -> str:
    """"José Peña" -> "Jose Pena": a name as a record, a claim file or a payer's system writes it,
    with or without its accents (and a PDF's ligatures, "ﬁ", as their letters)."""
    if text.isascii():  # most pages: no copy made
        return text
    return _COMBINING.sub("", unicodedata.normalize("NFKD", text)).translate(_UNACCENTED)


def name_key(text: str) -> str:
    """A name, or a word of one, compared however it is printed: without accents, case, spaces or
    punctuation ("Peña," -> "PENA"); the letters of other scripts are kept, not dropped."""
    return re.sub(r"[\W_]", "", unaccented(text).upper())

# The Medicare Beneficiary Identifier (CMS, "Understanding the MBI"): 11 characters; a digit 1-9,
# then letters where the card has letters (never S, L, O, I, B or Z: they read as digits) and
# digits where it has digits. Cards print it in groups with dashes, which are not part of it.
MBI_LETTER, MBI_EITHER = "[AC-HJKMNP-RT-Y]", "[0-9AC-HJKMNP-RT-Y]"
MBI = re.compile(f"[1-9]{MBI_LETTER}{MBI_EITHER}[0-9]{MBI_LETTER}{MBI_EITHER}[0-9]{MBI_LETTER}{MBI_LETTER}[0-9][0-9]")
CASE_NUMBER_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9 ./-]*$"
# What those patterns ask for, in words: error messages give these, not the regular expression.
PATTERN_WORDS = {
    CLAIM_ID_PATTERN: f"must be 1 to {MAX_CLAIM_ID} letters, digits, '.', '_' or '-', starting with a letter or "
                      "digit (no spaces or slashes)",
    PAYER_ID_PATTERN: "must be a payer profile id: lower-case letters, digits, '_' or '-'",
    MEMBER_ID_PATTERN: "must be 3 to 30 letters, digits or '-' (no spaces)",
    CASE_NUMBER_PATTERN: "must be letters, digits, spaces, '.', '/' or '-', starting with a letter or digit",
    CARC_PATTERN: "must be a reason code (CARC): 1 to 3 digits, some with a capital letter first, such as 50 or "
                  "B7; its group (CO, PR, ...) goes in `group`",
    RARC_PATTERN: "must be a remark code (RARC): M, MA or N and 1 to 3 digits, such as N115 or MA130",
    GROUP_PATTERN: "must be a group code: CO, PR, OA, PI or CR",
}
PayerId = Annotated[str, Field(pattern=PAYER_ID_PATTERN)]
# A provider's identifiers and email, as a claim file and the practice settings both give them.
TaxId = Annotated[str, Field(pattern=r"^\d{2}-?\d{7}$")]
Ptan = Annotated[str, Field(pattern=r"^[A-Za-z0-9]{1,15}$")]
# A state Medicaid program's own number for the provider (IHCP, a TMHP TPI, ...): a Medicaid plan
# matches a dispute by it. States write it differently, so only letters, digits and '-'.
MedicaidId = Annotated[str, Field(pattern=r"^[A-Za-z0-9-]{1,20}$")]
Email = Annotated[str, Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]


class Strict(BaseModel):
    """Every contract model: unknown keys are errors (a misspelled key must not pass silently)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Patient(Strict):
    first_name: str = Field(min_length=1, max_length=80)
    last_name: str = Field(min_length=1, max_length=80)
    dob: date | None = None  # remittance files (835) do not carry it
    member_id: str = Field(pattern=MEMBER_ID_PATTERN)
    address: str | None = Field(default=None, min_length=1, max_length=200)  # an ALJ request names it: 405.1014


class Requester(Strict):
    """The person who signs the requests: the letter's signature block names them."""

    name: str | None = Field(default=None, min_length=1, max_length=120)
    title: str | None = Field(default=None, min_length=1, max_length=120)


class Provider(Strict):
    """The provider or supplier that billed the claim. Details the claim file leaves out come
    from the workspace's practice settings (appealgen.yaml `practices`, by NPI)."""

    name: str = Field(default="", max_length=120)  # else the practice's (by NPI); required to file, as the NPI
    npi: Npi | None = None  # required to file: a packet without it fails its check
    tax_id: TaxId | None = None
    ptan: Ptan | None = None
    medicaid_id: MedicaidId | None = None  # the state Medicaid provider number, printed where given
    address: str | None = None
    phone: str | None = None
    fax: str | None = None
    email: Email | None = None
    contact: str | None = None  # who the payer may call (the cover sheet); the requester signs
    requester: Requester = Field(default_factory=Requester)


class Adjustment(Strict):
    """One reason code with its own group code (and its amount when the remittance gives it):
    a line's adjustments are never merged under one group."""

    group: Group
    carc: Carc
    amount: Decimal | None = None  # may be negative on a remittance (a correction)

    @property
    def code(self) -> str:
        return f"{self.group}-{self.carc}"


def _codes(group: str | None, carcs: list[str], adjustments: list[Adjustment]) -> list[str]:
    """"CO-50"-style codes, each once: the adjustments, then the CARCs listed under one group."""
    codes = [a.code for a in adjustments] + [f"{group}-{c}" if group else c for c in carcs]
    return list(dict.fromkeys(codes))


class ServiceLine(Strict):
    dos: date
    # CPT/HCPCS, or a 4-digit revenue code; none on a claim-level line (a claim denied whole)
    code: str | None = Field(default=None, pattern=r"^[A-Z0-9]{4,5}$")
    modifiers: list[Annotated[str, Field(pattern=r"^[A-Z0-9]{2}$")]] = Field(
        default_factory=list, max_length=4
    )
    units: Decimal = Field(default=Decimal(1), gt=0)
    billed: Money
    paid: Money = Decimal(0)
    diagnosis: list[Annotated[str, Field(pattern=r"^[A-Z][0-9][0-9A-Z](\.[0-9A-Z]{1,4})?$")]] = (
        Field(default_factory=list)
    )
    carc: list[Carc] = Field(default_factory=list)  # all under `group`; see `adjustments` for mixed groups
    group: Group | None = None
    rarc: list[Rarc] = Field(default_factory=list)
    adjustments: list[Adjustment] = Field(default_factory=list)  # each with its own group (from an 835)
    # A claim denied at claim level with no service lines on the remittance: one line holding the
    # claim's amounts and statement dates, with no procedure code.
    claim_level: bool = False
    dos_to: date | None = None  # the last date of service (a statement period), when known

    @model_validator(mode="after")
    def _code_unless_claim_level(self) -> ServiceLine:
        if self.claim_level and self.code is not None:
            raise ValueError("a claim-level line has no procedure code (remove code or claim_level)")
        if not self.claim_level and self.code is None:
            raise ValueError("code is required (or claim_level: true for a claim denied whole)")
        return self

    @property
    def codes(self) -> list[str]:
        """The line's reason codes as GROUP-CARC, each with its own group."""
        return _codes(self.group, self.carc, self.adjustments)

    @property
    def label(self) -> str:
        """The procedure code with its modifiers ("E0601-RR"), or the words for a claim-level line."""
        if self.code is None:
            return "whole claim (denied at claim level)"
        return "-".join([self.code, *self.modifiers])


class Denial(Strict):
    date: date
    carc: list[Carc] = Field(default_factory=list)  # all under `group`; see `adjustments` for mixed groups
    rarc: list[Rarc] = Field(default_factory=list)
    group: Group | None = None
    category: Category | None = None
    adjustments: list[Adjustment] = Field(default_factory=list)  # claim-level codes, each with its group

    @property
    def codes(self) -> list[str]:
        return _codes(self.group, self.carc, self.adjustments)


class AppealStep(Strict):
    level: str
    date: date
    outcome: Decision
    # The reason the decision gives (quoted from its notice): a request at the next level answers it.
    reason: str | None = Field(default=None, max_length=2000)
    decided_by: str | None = Field(default=None, max_length=120)  # e.g. the MAC that decided, when not the payer
    # The appeal (case) number on the decision's notice: the next level's request quotes it.
    case_number: str | None = Field(default=None, max_length=40, pattern=CASE_NUMBER_PATTERN)

    @field_validator("outcome", mode="before")
    @classmethod
    def _alias(cls, value: object) -> object:
        return DECISION_ALIASES.get(value, value) if isinstance(value, str) else value


class Fact(Strict):
    """A fact the enclosed records show (a test result, a visit, a finding), with its date."""

    date: dt.date | None = Field(default=None, description="the date of the record that shows it",
                                 examples=["2026-08-20"])
    text: str = Field(min_length=1, max_length=400, description="the fact, in a few words",
                      examples=["attended polysomnogram: AHI 28 events per hour"])


class Policy(Strict):
    """The coverage policy a medical-necessity letter cites, when the policy table has none for
    the item (a plan's own medical policy, for example)."""

    id: str = Field(min_length=1, max_length=40)
    title: str = Field(min_length=1, max_length=200)
    kind: str = Field(default="policy", max_length=40)  # LCD, NCD, or the plan's word for it
    criteria: list[str] = Field(default_factory=list)


class Appeal(Strict):
    level: str | None = None
    letter: str | None = None  # a template name inside the template folders
    argument: str | None = Field(default=None, max_length=6000)
    history: list[AppealStep] = Field(default_factory=list)
    good_cause: str | None = None
    # A specialist's decision that overrules the plan's action; the reason is required and recorded.
    action: Action | None = None
    action_reason: str | None = Field(default=None, max_length=500)
    facts: list[Fact] = Field(default_factory=list)  # what the records show, for letters without argument
    policy: Policy | None = None  # the coverage policy to cite when the policy table has no entry
    # What changed on a corrected claim or a reopening ("modifier KX added to line 1")
    correction: str | None = Field(default=None, max_length=1000)

    @model_validator(mode="after")
    def _reason_with_action(self) -> Appeal:
        if self.action is not None and not self.action_reason:
            raise ValueError("action_reason is required with action (why the plan is overruled)")
        return self

    @field_validator("letter")
    @classmethod
    def _template_name(cls, value: str | None) -> str | None:
        if value is not None and not TEMPLATE_NAME.fullmatch(value):
            raise ValueError("must name a template inside the template folders (no absolute path, no '..')")
        return value


class Attachment(Strict):
    kind: AttachmentKind
    path: Path
    title: str | None = Field(default=None, max_length=300)

    @field_validator("path")
    @classmethod
    def _not_empty(cls, value: Path) -> Path:
        if str(value) in ("", "."):
            raise ValueError("path is empty")
        if "\x00" in str(value):  # no file system takes one: opening it would fail unexplained
            raise ValueError("path holds a NUL character")
        return value


class RemittanceAdjustment(Strict):
    """One CAS triplet, with its own group code."""

    group: str
    carc: str
    amount: Decimal
    quantity: Decimal | None = None


class RemittanceLine(Strict):
    """A service line as the payer reported it (loop 2110)."""

    code: str
    modifiers: list[str] = Field(default_factory=list)
    dos: date | None = None
    billed: Decimal
    paid: Decimal
    units: Decimal = Decimal(1)
    allowed: Decimal | None = None
    control_number: str = ""
    adjustments: list[RemittanceAdjustment] = Field(default_factory=list)
    remarks: list[str] = Field(default_factory=list)


class RemittanceRecord(Strict):
    """This claim's part of an 835 (never other patients' claims), for the remittance page."""

    source: str  # the 835 file's name
    payer_name: str
    payer_id: str = ""
    payee_name: str = ""
    payee_npi: str = ""
    payment_method: str = ""
    payment_amount: Decimal = Decimal(0)
    check_number: str = ""
    payment_date: date | None = None
    status_code: str
    status: str
    billed: Decimal
    paid: Decimal
    patient_responsibility: Decimal = Decimal(0)
    payer_claim_number: str = ""
    adjustments: list[RemittanceAdjustment] = Field(default_factory=list)
    remarks: list[str] = Field(default_factory=list)
    received: date | None = None  # DTM*050: the day the payer received the claim
    statement_from: date | None = None  # DTM*232/233: the claim's statement period
    statement_to: date | None = None
    lines: list[RemittanceLine] = Field(default_factory=list)

    @property
    def pr_total(self) -> Decimal:
        """Patient responsibility as the PR adjustments (claim and lines) add up."""
        adjustments = [*self.adjustments, *(a for line in self.lines for a in line.adjustments)]
        return sum((a.amount for a in adjustments if a.group == "PR"), Decimal(0))


class Claim(Strict):
    claim_id: ClaimId
    payer: PayerId
    # The payer as the billing system or its remittance names it ("Northwind Health Plan"): the log
    # and the reports group by it, since one payer profile (commercial) may stand for many plans.
    payer_name: str | None = Field(default=None, min_length=1, max_length=120)
    payer_claim_number: str | None = Field(default=None, pattern=r"^[A-Za-z0-9-]{1,40}$")
    # What the primary payer's explanation of benefits left owing on the claim (its patient
    # responsibility), for a claim billed to this payer as secondary: a secondary payer pays at
    # most that, so a request after a coordination-of-benefits denial asks for no more.
    primary_balance: Decimal | None = Field(default=None, ge=0, decimal_places=2)
    patient: Patient
    provider: Provider
    service_lines: list[ServiceLine] = Field(min_length=1)
    denial: Denial
    appeal: Appeal = Field(default_factory=Appeal)
    attachments: list[Attachment] = Field(default_factory=list)
    remittance: RemittanceRecord | None = None  # from an 835: renders the remittance page

    @property
    def billed_total(self) -> Decimal:
        return sum((line.billed for line in self.service_lines), Decimal(0))

    @property
    def paid_total(self) -> Decimal:
        return sum((line.paid for line in self.service_lines), Decimal(0))

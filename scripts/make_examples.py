"""Generate the attachment files of examples/ (invented patients, invented IDs).

Each document names the patient and member ID in its text, as real records do, so the identity
check has something to find. The pages read like real records: that the files are synthetic is
said in each file's metadata (PDF title and subject, TIFF/PNG/JPEG description, Word comments)
and in examples/README.md, never on the page. Run from the repository root; it overwrites.
"""

from __future__ import annotations

import sys
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

from docx import Document
from PIL import Image, ImageDraw, ImageFont
from PIL.TiffImagePlugin import ImageFileDirectory_v2
from weasyprint import HTML

from appealgen.models import Claim
from appealgen.sources.claim_file import load_claims

ROOT = Path("examples")
NOTICE = "Synthetic example for appealgen: invented patient, provider and IDs; not a real record."
CSS = """
@page { size: Letter; margin: 0.8in; }
body { font-family: 'Liberation Sans', sans-serif; font-size: 10.5pt; }
h1 { font-size: 15pt; } table { border-collapse: collapse; width: 100%; }
td, th { border: 0.5pt solid #666; padding: 3pt; text-align: left; font-size: 9.5pt; }
.hdr { background: #eef; padding: 5pt; margin-bottom: 10pt; }
"""
PAYERS = {"medicare-dme": "Example DME MAC (Medicare DME, Jurisdiction X)",
          "commercial": "Example Commercial Health Plan",
          "medicaid-caresource": "Example Medicaid Plan"}


def header(claim: Claim, org: str) -> str:
    p = claim.patient
    dob = f" &middot; DOB {p.dob:%m/%d/%Y}" if p.dob else ""
    return (f"<div class='hdr'><b>{org}</b><br>Patient: {p.first_name} {p.last_name}{dob} &middot; "
            f"Member ID {p.member_id}</div>")


def pdf(path: Path, title: str, html: str) -> None:
    """A PDF whose metadata (not its pages) says it is a synthetic example."""
    path.parent.mkdir(parents=True, exist_ok=True)
    head = (f"<title>{title}</title><meta name='description' content='{NOTICE}'>"
            "<meta name='keywords' content='synthetic example, appealgen'>")
    HTML(string=f"<html><head>{head}<style>{CSS}</style></head><body>{html}</body></html>").write_pdf(path)


def money(value: Decimal) -> str:
    return f"${value:,.2f}"


def remittance_html(claim: Claim) -> str:
    rows = []
    for ln in claim.service_lines:
        adjusted = ln.billed - ln.paid
        codes = ", ".join(f"{c} {money(adjusted)}" for c in ln.codes) or "none"
        rows.append(f"<tr><td>{ln.dos:%m/%d/%Y}</td><td>{ln.label}</td><td>{ln.units}</td><td>{money(ln.billed)}</td>"
                    f"<td>{money(ln.paid)}</td><td>{money(ln.paid)}</td><td>{codes}</td>"
                    f"<td>{', '.join(ln.rarc) or 'none'}</td></tr>")
    payer = PAYERS.get(claim.payer, claim.payer)
    return (f"<h1>Remittance advice</h1>{header(claim, payer)}"
            f"<p>Payer claim number {claim.payer_claim_number} &middot; Patient account {claim.claim_id} &middot; "
            f"Payee {claim.provider.name} (NPI {claim.provider.npi}) &middot; Check/EFT EX000{claim.claim_id[-4:]} "
            f"dated {claim.denial.date:%m/%d/%Y}</p>"
            "<table><tr><th>DOS</th><th>Code</th><th>Units</th><th>Billed</th><th>Allowed</th><th>Paid</th>"
            f"<th>Adjustments</th><th>Remarks</th></tr>{''.join(rows)}</table>"
            f"<p>Claim status: denied. Total billed {money(claim.billed_total)}; paid {money(claim.paid_total)}. "
            "Only this claim is shown.</p>")


def record_html(claim: Claim, org: str, title: str, pages: list[list[str]]) -> str:
    """A record whose every page carries the practice's header naming the patient, as EHR exports do."""
    def page(n: int, paragraphs: list[str]) -> str:
        heading = title if n == 1 else f"{title} (page {n} of {len(pages)})"
        style = " style='page-break-before: always'" if n > 1 else ""
        return f"<div{style}><h1>{heading}</h1>{header(claim, org)}{''.join(f'<p>{p}</p>' for p in paragraphs)}</div>"
    return "".join(page(n, paragraphs) for n, paragraphs in enumerate(pages, start=1))


def signed(name: str, npi: str, when: str) -> str:
    """An electronic signature as EHRs print it (42 CFR 410.38(d)(1): the practitioner's name or NPI
    and signature)."""
    return f"Electronically signed by {name}, NPI {npi}, on {when}."


def received(name: str, when: str) -> str:
    """The beneficiary's signature on a proof of delivery: a drawn signature over the printed name."""
    squiggle = ("<svg width='180' height='34' viewBox='0 0 180 34'><polyline fill='none' stroke='#123' "
                "stroke-width='2' points='4,26 20,8 34,28 52,10 70,24 88,6 106,26 124,12 146,22 176,9'/></svg>")
    return f"Received by the beneficiary:<br>{squiggle}<br>{name}, {when}"


# Invented practitioners (NPIs pass the check digit; no real person holds them).
SLEEP = ("Alma Example, MD", "1648273906")
SLEEP_READER = ("Ben Sample, MD", "1293847566")
CARDIOLOGY = ("Carla Fixture, MD", "1758392017")
PULMONARY = ("Dev Placeholder, MD", "1382940579")
SURGEON = ("Eli Mockwell, MD", "1164830295")


# (example folder, file name) -> (organisation, title, paragraphs of each page)
RECORDS: dict[tuple[str, str], tuple[str, str, list[list[str]]]] = {
    ("cpap-medicare", "progress-notes.pdf"): ("Example Sleep Clinic", "Progress notes, 08/12/2026", [
        [f"Face-to-face visit with the treating practitioner, {SLEEP[0]} (sleep medicine).",
         "Chief complaint: loud snoring, witnessed apneas and daytime sleepiness for more than a year; dozes "
         "while reading and as a passenger. Epworth Sleepiness Scale 15.",
         "Examination: BMI 31, neck circumference 17 inches, crowded oropharynx (Mallampati IV). Blood "
         "pressure 142/88 on two medications."],
        ["Assessment: suspected obstructive sleep apnea, high pre-test probability; hypertension.",
         "Plan: attended in-laboratory polysomnography. If sleep apnea is confirmed, start CPAP and see the "
         "patient again between day 31 and day 91 of therapy to review use and benefit.",
         signed(*SLEEP, "08/12/2026")]]),
    ("cpap-medicare", "written-order.pdf"): ("Example Sleep Clinic", "Standard written order", [
        ["Order date 08/22/2026. Diagnosis G47.33, obstructive sleep apnea.",
         "Items and quantities: E0601 CPAP device, rental, 1; A7030 full face mask, 1 every 3 months.",
         "Pressure 10 cm H2O, with heated humidifier. Length of need: 99 months (lifetime).",
         f"Treating practitioner: {SLEEP[0]}, NPI {SLEEP[1]}. " + signed(*SLEEP, "08/22/2026")]]),
    ("cpap-medicare", "sleep-study.pdf"): ("Example Sleep Laboratory", "Attended polysomnography report", [
        ["Study date 08/20/2026: attended in-laboratory polysomnography (type I), ordered by "
         f"{SLEEP[0]}.",
         "Total recording time 430 minutes; total sleep time 382 minutes; sleep efficiency 89%.",
         "Respiratory events: 94 obstructive apneas and 84 hypopneas (4% desaturation rule)."],
        ["Apnea-hypopnea index (AHI) 28 events per hour; oxygen nadir 82%; 14 minutes below 88%.",
         "Impression: moderate obstructive sleep apnea (G47.33). Recommendation: CPAP, with follow-up by the "
         "treating practitioner.",
         "Interpreted by a physician board-certified in sleep medicine. " + signed(*SLEEP_READER, "08/21/2026")]]),
    ("missing-notes-medicare", "written-order.pdf"): ("Example Cardiology Group", "Standard written order", [
        ["Order date 09/18/2026. Diagnosis I50.22, chronic systolic heart failure.",
         "Item and quantity: E0260 semi-electric hospital bed with mattress and side rails, rental, 1.",
         "Length of need: 12 months.",
         f"Treating practitioner: {CARDIOLOGY[0]}, NPI {CARDIOLOGY[1]}. " + signed(*CARDIOLOGY, "09/18/2026")]]),
    ("missing-notes-medicare", "delivery-ticket.pdf"): ("Example Home Medical Supply LLC", "Delivery ticket", [
        ["Delivered 09/25/2026 to the beneficiary's home: 5 Fictus Road, Exampleville, EX 00000.",
         "Item and quantity: E0260 semi-electric hospital bed with mattress and side rails, rental, 1 (serial "
         "EXB-30417).",
         "Set-up done and use and care explained to the patient and caregiver. Received in good condition.",
         received("Walter Fictus", "09/25/2026")]]),
    ("surgery-medicaid", "operative-report.pdf"): ("Example General Hospital", "Operative report, 09/18/2026", [
        ["Procedure: laparoscopic cholecystectomy (CPT 47562).",
         "Indication: symptomatic cholelithiasis without obstruction (K80.20), three documented episodes of "
         "biliary colic; ultrasound with multiple gallstones.",
         "Findings: distended gallbladder with multiple stones; no common duct stones. Specimen to pathology.",
         f"Surgeon: {SURGEON[0]}. " + signed(*SURGEON, "09/18/2026")]]),
    ("reopening-medicare", "written-order.pdf"): ("Example Sleep Clinic", "Standard written order", [
        ["Order date 08/28/2026. Diagnosis G47.33, obstructive sleep apnea.",
         "Item and quantity: E0601 CPAP device, rental (monthly), 1, with heated humidifier.",
         "Length of need: 99 months (lifetime).",
         f"Treating practitioner: {SLEEP[0]}, NPI {SLEEP[1]}. " + signed(*SLEEP, "08/28/2026")]]),
    ("reopening-medicare", "delivery-ticket.pdf"): ("Example Home Medical Supply LLC", "Delivery ticket", [
        ["Delivered 09/10/2026 to the beneficiary's home: 14 Sample Court, Exampleville, EX 00000.",
         "Items and quantities: E0601 CPAP device, rental, 1 (serial EXC-20931); heated humidifier, 1.",
         "Set-up done and use and care explained to the patient. Received in good condition.",
         received("Harriet Mockley", "09/10/2026")]]),
    ("corrected-claim-commercial", "corrected-claim.pdf"): ("Lakeside Example Imaging Center",
                                                            "Health insurance claim form (CMS-1500): corrected claim", [
        ["Box 22: resubmission code 7 (replacement of prior claim); original reference number CX2026102200912.",
         "Box 24, line 1: 09/29/2026, place of service 22, CPT 73721 modifier RT, diagnosis pointer A, "
         "charge $1,240.00, 1 unit.",
         "Box 21: diagnosis A M23.221. Box 25: tax ID 00-0000303. Box 33: NPI 1760492888."]]),
    ("qic-reconsideration-medicare", "redetermination-notice.pdf"): (
        "Example DME MAC (Medicare DME, Jurisdiction X)", "Medicare redetermination notice, 10/26/2026", [
            ["Redetermination appeal number 1-26299-004417. Claim number 26222000771101; items E1390-RR and "
             "E0431-RR, date of service 07/15/2026.",
             "Decision: unfavorable. The denial is upheld.",
             "Reason: the qualifying oxygen test was not performed within two days before the hospital "
             "discharge.",
             "You may ask for a reconsideration by the Qualified Independent Contractor within 180 days of "
             "receiving this notice."]]),
    ("qic-reconsideration-medicare", "written-order.pdf"): ("Example Pulmonary Associates",
                                                            "Standard written order", [
        ["Order date 07/08/2026. Diagnosis J44.9, chronic obstructive pulmonary disease.",
         "Items and quantities: E1390 oxygen concentrator, rental, 1; E0431 portable gaseous oxygen system, "
         "rental, 1.",
         "Flow 2 liters per minute, continuous, at rest and on exertion. Length of need: 99 months.",
         f"Treating practitioner: {PULMONARY[0]}, NPI {PULMONARY[1]}. " + signed(*PULMONARY, "07/08/2026")]]),
    ("qic-reconsideration-medicare", "progress-notes.pdf"): ("Example Pulmonary Associates",
                                                             "Progress notes, 07/08/2026", [
        [f"Outpatient visit with the treating practitioner, {PULMONARY[0]}; last hospital discharge "
         "05/26/2026. Chronic obstructive pulmonary disease (J44.9), stable since discharge, no exacerbation "
         "since; dyspnea on exertion. Walks within the home and to the clinic with a cane.",
         "Resting oximetry on room air today: 86%. Oxygen is expected to improve the patient's condition.",
         "Plan: stationary and portable oxygen, 2 liters per minute.",
         signed(*PULMONARY, "07/08/2026")]]),
    ("qic-reconsideration-medicare", "oximetry.pdf"): ("Example Pulmonary Associates",
                                                       "Resting oximetry report, 07/08/2026", [
        ["Test ordered and read by the treating practitioner; performed by the clinic, not by a supplier.",
         "Patient at rest, awake, on room air, in a chronic stable state. SpO2 86% over 10 minutes.",
         signed(*PULMONARY, "07/08/2026")]]),
    ("qic-reconsideration-medicare", "delivery-ticket.pdf"): ("Example Home Medical Supply LLC",
                                                              "Delivery ticket", [
        ["Delivered 07/15/2026 to the beneficiary's home: 3 Fixture Road, Exampleville, EX 00000.",
         "Items and quantities: E1390 oxygen concentrator, rental, 1 (serial EXO-55120); E0431 portable "
         "gaseous oxygen system, rental, 1, with 6 cylinders.",
         "Set-up done and use and care explained to the patient. Received in good condition.",
         received("Gordon Testerly", "07/15/2026")]]),
}


SIGN_HERE = "<signature>"  # a line of a scanned page where the beneficiary signed


def fax_tiff(path: Path, claim: Claim, pages: list[list[str]]) -> None:
    """A multi-page CCITT G4 fax TIFF at 204x196 dpi, like a scanned delivery ticket: each page
    names the patient; a SIGN_HERE line is a hand-drawn signature."""
    frames = []
    font = ImageFont.load_default(size=34)
    p = claim.patient
    for n, body in enumerate(pages, start=1):
        image = Image.new("1", (1728, 2200), 1)
        draw = ImageDraw.Draw(image)
        lines = [f"Page {n} of {len(pages)}", "", f"Patient: {p.first_name} {p.last_name}",
                 f"Member ID: {p.member_id}", f"Account: {claim.claim_id}", "", *body]
        for i, line in enumerate(lines):
            y = 150 + i * 60
            if line == SIGN_HERE:
                draw.line([(140, y + 40), (200, y), (250, y + 44), (320, y + 6), (380, y + 36), (460, y + 2),
                           (540, y + 40), (620, y + 12)], fill=0, width=4)
            else:
                draw.text((120, y), line, fill=0, font=font)
        draw.rectangle((100, 120, 1628, 2080), outline=0, width=3)
        frames.append(image)
    tags = ImageFileDirectory_v2()
    tags[270] = NOTICE  # ImageDescription
    frames[0].save(path, save_all=True, append_images=frames[1:], compression="group4", dpi=(204, 196),
                   tiffinfo=tags)


def cpap_delivery(claim: Claim) -> list[list[str]]:
    """The proof of delivery a DME MAC reads (beneficiary, address, items and quantities, date,
    the beneficiary's signature) and the set-up acknowledgment after it."""
    name = f"{claim.patient.first_name} {claim.patient.last_name}"
    return [
        ["DELIVERY TICKET / PROOF OF DELIVERY", "Example Home Medical Supply LLC",
         "Delivered to: 27 Testwell Avenue, Exampleville, EX 00000", "Date delivered: 09/02/2026", "",
         "E0601 CPAP device, rental, qty 1 (serial EXC-18802)", "A7030 full face mask, qty 1",
         "Heated humidifier, qty 1", "", "Received in good condition.", SIGN_HERE,
         f"{name} (beneficiary), 09/02/2026"],
        ["SET-UP AND INSTRUCTIONS", "", "Device set to 10 cm H2O as ordered; mask fitted.",
         "Use, cleaning and replacement schedule explained;", "rental terms, warranty and supplier standards given.",
         "Supplier contact: 555-0160, 24 hours.", "", "The beneficiary confirms the instructions:", SIGN_HERE,
         f"{name}, 09/02/2026"],
    ]


def scanned_page(lines: list[str]) -> Image.Image:
    image = Image.new("L", (1275, 1650), 235)  # 150 dpi Letter, a greyish scan
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=26)
    for i, line in enumerate(lines):
        y = 110 + i * 46
        if line == SIGN_HERE:
            draw.line([(100, y + 32), (140, y), (175, y + 34), (220, y + 4), (262, y + 28), (318, y + 2),
                       (370, y + 30)], fill=30, width=3)
        else:
            draw.text((90, y), line, fill=20, font=font)
    return image


def scan_png(path: Path, claim: Claim) -> None:
    """A faxed prior-authorization approval, scanned: an image page (a scanned remittance would
    fail its packet's check without OCR, since a paper remittance often lists other patients)."""
    from PIL.PngImagePlugin import PngInfo

    p = claim.patient
    lines = ["PRIOR AUTHORIZATION APPROVAL (faxed copy)", "Example Commercial Health Plan", "",
             f"Patient: {p.first_name} {p.last_name}", f"Member ID: {p.member_id}", "",
             "Authorization number EXA-55012, approved 09/29/2026.",
             "Approved service: CPT 72148 MRI lumbar spine without contrast, 1 unit.",
             "Valid 09/29/2026 through 12/28/2026."]
    info = PngInfo()
    info.add_text("Description", NOTICE)
    scanned_page(lines).save(path, dpi=(150, 150), pnginfo=info)


def letter_docx(path: Path, claim: Claim) -> None:
    document = Document()
    p = claim.patient
    document.add_heading("Letter of medical necessity", level=1)
    document.add_paragraph(f"Patient: {p.first_name} {p.last_name}, DOB {p.dob:%m/%d/%Y}, member ID {p.member_id}")
    document.add_paragraph(
        "I performed a laparoscopic cholecystectomy (CPT 47562) on 09/18/2026 for symptomatic "
        "cholelithiasis (K80.20) after three documented episodes of biliary colic and an "
        "ultrasound showing multiple gallstones. Surgery was the appropriate treatment.")
    document.add_paragraph(f"{SURGEON[0]}, attending surgeon, Riverside Example Surgical Associates, NPI "
                           f"{SURGEON[1]}. " + signed(*SURGEON, "10/02/2026"))
    document.core_properties.comments = NOTICE
    document.save(str(path))


def era_records(folder: Path, first: str, last: str, member: str, files: dict[str, tuple[str, list[str]]]) -> None:
    """Records filed the way people keep them: any name, any type; kinds come from the names."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, (title, paragraphs) in files.items():
        body = (f"<h1>{title}</h1><div class='hdr'>Patient: {first} {last} &middot; Member ID {member}</div>"
                + "".join(f"<p>{p}</p>" for p in paragraphs))
        pdf(folder / name, title, body)


def era_example() -> None:
    """examples/era: an 835 with one claim per common denial; the records of the two claims that
    need a packet, named as people name them; the practice's details in appealgen.yaml."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from tests.x12gen import denial_mix, interchange

    folder = ROOT / "era"
    mix = denial_mix()
    # The test fixtures' patient names "Synthetic" and "Partial" would read as labels on the page.
    mix = [replace(c, last={"Synthetic": "Samplewood", "Partial": "Partridge"}.get(c.last, c.last)) for c in mix]
    (folder / "remittance-2026-10-14.835").write_text(interchange(mix))
    records = folder / "records"
    nora, eve = mix[0], next(c for c in mix if c.claim_id == "ACCT-9009")
    era_records(records / nora.claim_id, nora.first, nora.last, nora.member_id, {
        "SWO CPAP 2026-08-22.pdf": ("Standard written order", [
            "Item: E0601 CPAP device, rental, with heated humidifier. Diagnosis G47.33.",
            "Order date 08/22/2026. Quantity 1. Length of need: 99 months.",
            f"Treating practitioner: {SLEEP[0]}, NPI {SLEEP[1]}. " + signed(*SLEEP, "08/22/2026")]),
        "Progress notes 2026-08-12.pdf": ("Progress notes, 08/12/2026", [
            "Face-to-face visit for snoring, witnessed apneas and daytime sleepiness (Epworth 14).",
            "Examination: BMI 33, neck circumference 17.5 inches, crowded oropharynx; blood pressure 146/90.",
            "Plan: attended polysomnography.", signed(*SLEEP, "08/12/2026")]),
        "Sleep study 2026-08-20.pdf": ("Attended polysomnography report, 08/20/2026", [
            "Example Sleep Laboratory. Attended in-laboratory polysomnography (type I), ordered by "
            f"{SLEEP[0]}. Total recording time 420 minutes; total sleep time 371 minutes.",
            "AHI 31 events per hour; oxygen nadir 84%. Impression: moderate obstructive sleep apnea. CPAP ordered.",
            "Interpreted by a physician board-certified in sleep medicine. " + signed(*SLEEP_READER, "08/21/2026")]),
        "fax cover 0012.pdf": ("Fax cover", ["To: billing office. 3 pages follow."]),
    })
    pod = scanned_page(["PROOF OF DELIVERY (scanned)", "", f"Patient: {nora.first} {nora.last}",
                        f"Member ID: {nora.member_id}", "Delivered 09/02/2026 to the beneficiary's home,",
                        "8 Sample Lane, Exampleville, EX 00000:",
                        "E0601 CPAP device, rental, quantity 1", "Set-up and instructions given.", "",
                        "Received by:", SIGN_HERE, f"{nora.first} {nora.last} (beneficiary), 09/02/2026"])
    pod.save(records / nora.claim_id / "POD 2026-09-02.jpg", dpi=(150, 150),
             exif=_exif_description(pod))
    era_records(records / eve.claim_id, eve.first, eve.last, eve.member_id, {
        "Rx mask cushions 2026-08-25.pdf": ("Standard written order", [
            "Item: A7034 nasal mask, for use with the patient's CPAP device. Diagnosis G47.33.",
            "Order date 08/25/2026. Quantity 1 every 3 months.",
            f"Treating practitioner: {SLEEP[0]}, NPI {SLEEP[1]}. " + signed(*SLEEP, "08/25/2026")]),
        "Progress notes 2026-08-25.pdf": ("Progress notes, 08/25/2026", [
            "Follow-up visit: CPAP in use nightly since 06/2026, 6.5 hours a night on average; symptoms improved.",
            "The current mask leaks at the bridge of the nose; a nasal mask is ordered.",
            signed(*SLEEP, "08/25/2026")]),
        "POD A7034 2026-09-02.pdf": ("Delivery ticket", [
            "Delivered 09/02/2026 to the beneficiary's home, 41 Fixture Street, Exampleville, EX 00000: A7034 "
            "nasal mask, quantity 1. Received in good condition.", received(f"{eve.first} {eve.last}", "09/02/2026")]),
    })
    signature = Image.new("L", (600, 140), 255)
    draw = ImageDraw.Draw(signature)
    draw.line([(20, 100), (90, 40), (150, 110), (220, 50), (300, 95), (380, 45), (470, 100), (560, 60)],
              fill=30, width=5)
    signature.save(folder / "signature.png")
    print(f"wrote {folder}")


def _exif_description(image: Image.Image) -> bytes:
    exif = image.getexif()
    exif[270] = NOTICE  # ImageDescription
    return exif.tobytes()


def write_attachment(folder: Path, claim: Claim, target: Path, kind: str, title: str) -> None:
    key = (folder.name, target.name)
    if kind == "remittance_advice" and target.suffix == ".pdf":
        pdf(target, title, remittance_html(claim))
    elif target.suffix == ".png":
        scan_png(target, claim)
    elif target.suffix == ".tif":
        fax_tiff(target, claim, cpap_delivery(claim))
    elif target.suffix == ".docx":
        letter_docx(target, claim)
    elif key in RECORDS:
        org, heading, pages = RECORDS[key]
        pdf(target, heading, record_html(claim, org, heading, pages))
    else:
        raise SystemExit(f"{folder.name}/{target.name}: no content for this example document")


def main() -> None:
    era_example()
    for folder in sorted(p for p in ROOT.iterdir() if (p / "claim.yaml").is_file()):
        claim = load_claims(folder / "claim.yaml")[0].claim
        (folder / "docs").mkdir(exist_ok=True)
        for attachment in claim.attachments:
            target = folder / attachment.path
            write_attachment(folder, claim, target, attachment.kind.value, attachment.title or attachment.kind.value)
            print(f"wrote {target}")


if __name__ == "__main__":
    main()

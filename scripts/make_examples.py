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
@page { size: %s; margin: 0.8in; }
body { font-family: 'Liberation Sans', sans-serif; font-size: 10.5pt; }
h1 { font-size: 15pt; } table { border-collapse: collapse; width: 100%%; }
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


def pdf(path: Path, title: str, html: str, size: str = "Letter") -> None:
    """A PDF whose metadata (not its pages) says it is a synthetic example."""
    path.parent.mkdir(parents=True, exist_ok=True)
    head = (f"<title>{title}</title><meta name='description' content='{NOTICE}'>"
            "<meta name='keywords' content='synthetic example, appealgen'>")
    HTML(string=f"<html><head>{head}<style>{CSS % size}</style></head><body>{html}</body></html>").write_pdf(path)


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


def record_html(claim: Claim, org: str, title: str, paragraphs: list[str], pages: int = 1) -> str:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    more = "".join(
        f"<div style='page-break-before: always'>{header(claim, org)}<h1>{title} (continued)</h1>{body}</div>"
        for _ in range(pages - 1)
    )
    return f"<h1>{title}</h1>{header(claim, org)}{body}{more}"


# (example folder, file name) -> (organisation, title, paragraphs, pages)
RECORDS: dict[tuple[str, str], tuple[str, str, list[str], int]] = {
    ("cpap-medicare", "progress-notes.pdf"): ("Example Sleep Clinic", "Progress notes, 08/12/2026", [
        "Face-to-face visit with the treating physician for loud snoring, witnessed apneas and daytime "
        "sleepiness. Epworth Sleepiness Scale 15.",
        "Assessment: suspected obstructive sleep apnea. Plan: attended polysomnography.",
        "Signed: treating physician, 08/12/2026."], 2),
    ("cpap-medicare", "written-order.pdf"): ("Example Sleep Clinic", "Standard written order", [
        "Item: E0601 CPAP device, rental; A7030 full face mask. Diagnosis G47.33.",
        "Order date 08/22/2026. Length of need: 99 months. Signed by the treating physician."], 1),
    ("cpap-medicare", "sleep-study.pdf"): ("Example Sleep Laboratory", "Attended polysomnography report", [
        "Study date 08/20/2026. Total sleep time 382 minutes.",
        "Apnea-hypopnea index (AHI) 28 events per hour; oxygen nadir 82%.",
        "Impression: moderate obstructive sleep apnea (G47.33). CPAP recommended."], 2),
    ("missing-notes-medicare", "written-order.pdf"): ("Example Cardiology Group", "Standard written order", [
        "Item: E0260 semi-electric hospital bed with mattress, rental. Diagnosis I50.22.",
        "Order date 09/18/2026. Length of need: 12 months. Signed by the treating physician."], 1),
    ("surgery-medicaid", "operative-report.pdf"): ("Example General Hospital", "Operative report, 09/18/2026", [
        "Procedure: laparoscopic cholecystectomy (CPT 47562).",
        "Indication: symptomatic cholelithiasis without obstruction (K80.20), three documented episodes of "
        "biliary colic; ultrasound with multiple gallstones.",
        "Findings: distended gallbladder with multiple stones; no common duct stones. Specimen to pathology."], 1),
    ("auth-commercial", "authorization.pdf"): ("Example Commercial Health Plan", "Prior authorization approval", [
        "Authorization number EXA-55012, approved 09/29/2026.",
        "Approved service: CPT 72148 MRI lumbar spine without contrast, 1 unit.",
        "Valid 09/29/2026 through 12/28/2026."], 1),
    ("reopening-medicare", "written-order.pdf"): ("Example Sleep Clinic", "Standard written order", [
        "Item: E0601 CPAP device, rental (monthly). Diagnosis G47.33.",
        "Order date 08/28/2026. Length of need: 99 months. Signed by the treating physician."], 1),
    ("reopening-medicare", "delivery-ticket.pdf"): ("Example Home Medical Supply LLC", "Delivery ticket", [
        "Delivered 09/10/2026: E0601 CPAP device (rental) with heated humidifier and supplies.",
        "Set-up done and use and care explained to the patient. Received in good condition.",
        "Signature of the patient on file."], 1),
    ("corrected-claim-commercial", "corrected-claim.pdf"): ("Lakeside Example Imaging Center",
                                                            "Health insurance claim form (CMS-1500): corrected claim", [
        "Box 22: resubmission code 7 (replacement of prior claim); original reference number CX2026102200912.",
        "Box 24, line 1: 09/29/2026, place of service 22, CPT 73721 modifier RT, diagnosis pointer A, "
        "charge $1,240.00, 1 unit.",
        "Box 21: diagnosis A M23.221. Box 25: tax ID 00-0000303. Box 33: NPI 1760492888."], 1),
    ("qic-reconsideration-medicare", "redetermination-notice.pdf"): (
        "Example DME MAC (Medicare DME, Jurisdiction X)", "Medicare redetermination notice, 10/26/2026", [
            "Claim number 26222000771101; items E1390-RR and E0431-RR, date of service 07/15/2026.",
            "Decision: unfavorable. The denial is upheld.",
            "Reason: the qualifying oxygen test was not performed within two days before the hospital "
            "discharge.",
            "You may ask for a reconsideration by the Qualified Independent Contractor within 180 days of "
            "receiving this notice."], 1),
    ("qic-reconsideration-medicare", "written-order.pdf"): ("Example Pulmonary Associates",
                                                            "Standard written order", [
        "Items: E1390 oxygen concentrator and E0431 portable gaseous oxygen system, rental. Diagnosis J44.1.",
        "Flow 2 liters per minute, continuous. Order date 07/08/2026. Signed by the treating physician."], 1),
    ("qic-reconsideration-medicare", "progress-notes.pdf"): ("Example Pulmonary Associates",
                                                             "Progress notes, 07/08/2026", [
        "Outpatient visit; last hospital discharge 05/26/2026. Chronic obstructive pulmonary disease with "
        "exacerbations (J44.1); dyspnea on exertion.",
        "Resting oximetry on room air today: 86%. Oxygen is expected to improve the patient's condition.",
        "Plan: stationary and portable oxygen, 2 liters per minute."], 1),
    ("qic-reconsideration-medicare", "oximetry.pdf"): ("Example Pulmonary Associates",
                                                       "Resting oximetry report, 07/08/2026", [
        "Test ordered and read by the treating physician; performed by the clinic, not by a supplier.",
        "Patient at rest, awake, on room air, in a chronic stable state. SpO2 86% over 10 minutes."], 1),
    ("qic-reconsideration-medicare", "delivery-ticket.pdf"): ("Example Home Medical Supply LLC",
                                                              "Delivery ticket", [
        "Delivered 07/15/2026: E1390 oxygen concentrator and E0431 portable oxygen system (rental).",
        "Set-up done and use and care explained to the patient. Received in good condition."], 1),
}


def fax_tiff(path: Path, claim: Claim, title: str, pages: int) -> None:
    """A multi-page CCITT G4 fax TIFF at 204x196 dpi, like a scanned delivery ticket."""
    frames = []
    font = ImageFont.load_default(size=34)
    for n in range(1, pages + 1):
        image = Image.new("1", (1728, 2200), 1)
        draw = ImageDraw.Draw(image)
        p = claim.patient
        lines = [title, f"Page {n} of {pages}", "", f"Patient: {p.first_name} {p.last_name}",
                 f"Member ID: {p.member_id}", f"Account: {claim.claim_id}", "",
                 "Item: E0601 CPAP device, A7030 full face mask", "Delivered: 09/02/2026",
                 "Received in good condition. Set-up and instructions given.", "",
                 "Signature: ____________________"]
        for i, line in enumerate(lines):
            draw.text((120, 150 + i * 60), line, fill=0, font=font)
        draw.rectangle((100, 120, 1628, 2080), outline=0, width=3)
        frames.append(image)
    tags = ImageFileDirectory_v2()
    tags[270] = NOTICE  # ImageDescription
    frames[0].save(path, save_all=True, append_images=frames[1:], compression="group4", dpi=(204, 196),
                   tiffinfo=tags)


def scanned_page(lines: list[str]) -> Image.Image:
    image = Image.new("L", (1275, 1650), 235)  # 150 dpi Letter, a greyish scan
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=26)
    for i, line in enumerate(lines):
        draw.text((90, 110 + i * 46), line, fill=20, font=font)
    return image


def scan_png(path: Path, claim: Claim) -> None:
    from PIL.PngImagePlugin import PngInfo

    p = claim.patient
    lines = ["REMITTANCE ADVICE (scanned)", "Example Commercial Health Plan", "", f"Patient: {p.first_name} "
             f"{p.last_name}", f"Member ID: {p.member_id}", f"Claim number: {claim.payer_claim_number}",
             f"Account: {claim.claim_id}", "", "DOS 10/06/2026  CPT 72148  billed 1180.00  allowed 0.00  paid 0.00",
             "Adjustment CO-197 1180.00"]
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
    document.add_paragraph("Attending surgeon, Riverside Example Surgical Associates")
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
            "Order date 08/22/2026. Length of need: 99 months. Signed by the treating physician."]),
        "Progress notes 2026-08-12.pdf": ("Progress notes, 08/12/2026", [
            "Face-to-face visit for snoring, witnessed apneas and daytime sleepiness (Epworth 14).",
            "Plan: attended polysomnography."]),
        "Sleep study 2026-08-20.pdf": ("Attended polysomnography report, 08/20/2026", [
            "AHI 31 events per hour; oxygen nadir 84%. Impression: moderate obstructive sleep apnea. CPAP ordered."]),
        "fax cover 0012.pdf": ("Fax cover", ["To: billing office. 3 pages follow."]),
    })
    pod = scanned_page(["PROOF OF DELIVERY (scanned)", "", f"Patient: {nora.first} {nora.last}",
                        f"Member ID: {nora.member_id}", "Delivered 09/02/2026: E0601 CPAP device",
                        "Set-up and instructions given."])
    pod.save(records / nora.claim_id / "POD 2026-09-02.jpg", dpi=(150, 150),
             exif=_exif_description(pod))
    era_records(records / eve.claim_id, eve.first, eve.last, eve.member_id, {
        "Rx mask cushions 2026-08-25.pdf": ("Standard written order", [
            "Item: A7034 nasal mask, for use with the patient's CPAP device. Diagnosis G47.33.",
            "Order date 08/25/2026. Signed by the treating physician."]),
        "Progress notes 2026-08-25.pdf": ("Progress notes, 08/25/2026", [
            "Follow-up visit: CPAP in use nightly since 06/2026, 6.5 hours a night on average; symptoms improved.",
            "The current mask leaks at the bridge of the nose; a nasal mask is ordered."]),
        "POD A7034 2026-09-02.pdf": ("Delivery ticket", [
            "Delivered 09/02/2026: A7034 nasal mask, 1 unit. Received in good condition."]),
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
        fax_tiff(target, claim, "DELIVERY TICKET / PROOF OF DELIVERY", 2)
    elif target.suffix == ".docx":
        letter_docx(target, claim)
    elif key in RECORDS:
        org, heading, paragraphs, pages = RECORDS[key]
        pdf(target, heading, record_html(claim, org, heading, paragraphs, pages),
            size="A4" if target.name == "authorization.pdf" else "Letter")
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

"""Generate the synthetic attachment files of examples/ (invented patients, invented IDs).

Each document names the patient and member ID in its text, as real records do, so the
identity check has something to find. Run from the repository root; it overwrites.
"""

from __future__ import annotations

from pathlib import Path

from docx import Document
from PIL import Image, ImageDraw, ImageFont
from weasyprint import HTML

from appealgen.models import Claim
from appealgen.sources.claim_file import load_claims

ROOT = Path("examples")
CSS = """
@page { size: %s; margin: 0.8in; }
body { font-family: 'Liberation Sans', sans-serif; font-size: 10.5pt; }
h1 { font-size: 15pt; } table { border-collapse: collapse; width: 100%%; }
td, th { border: 0.5pt solid #666; padding: 3pt; text-align: left; }
.hdr { background: #eef; padding: 5pt; margin-bottom: 10pt; }
"""


def header(claim: Claim, org: str) -> str:
    p = claim.patient
    return (f"<div class='hdr'><b>{org}</b><br>Patient: {p.first_name} {p.last_name} &middot; "
            f"DOB {p.dob:%m/%d/%Y} &middot; Member ID {p.member_id}</div>")


def pdf(path: Path, html: str, size: str = "Letter") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    HTML(string=f"<style>{CSS % size}</style>{html}").write_pdf(path)


def remittance_html(claim: Claim) -> str:
    rows = "".join(
        f"<tr><td>{ln.dos:%m/%d/%Y}</td><td>{ln.code} {' '.join(ln.modifiers)}</td><td>{ln.billed}</td>"
        f"<td>{ln.paid}</td><td>{ln.group or ''}-{','.join(ln.carc)} {' '.join(ln.rarc)}</td></tr>"
        for ln in claim.service_lines
    )
    return (f"<h1>Remittance advice</h1>{header(claim, 'Payer remittance (synthetic example)')}"
            f"<p>Claim number {claim.payer_claim_number} &middot; Patient account {claim.claim_id} &middot; "
            f"Check/EFT EX000{claim.claim_id[-4:]} dated {claim.denial.date:%m/%d/%Y}</p>"
            "<table><tr><th>DOS</th><th>Code</th><th>Billed</th><th>Paid</th><th>Adjustment</th></tr>"
            f"{rows}</table><p>Claim status: denied. Only this claim is shown.</p>")


def notes_html(claim: Claim, title: str, paragraphs: list[str], pages: int = 1) -> str:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    more = "".join(
        f"<div style='page-break-before: always'>{header(claim, title + ' (continued)')}{body}</div>"
        for _ in range(pages - 1)
    )
    return f"<h1>{title}</h1>{header(claim, 'Example Clinic (synthetic)')}{body}{more}"


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
    frames[0].save(path, save_all=True, append_images=frames[1:], compression="group4", dpi=(204, 196))


def scan_png(path: Path, claim: Claim) -> None:
    image = Image.new("L", (1275, 1650), 235)  # 150 dpi Letter, a greyish scan
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=26)
    p = claim.patient
    lines = ["REMITTANCE ADVICE (scanned, synthetic example)", "", f"Patient: {p.first_name} {p.last_name}",
             f"Member ID: {p.member_id}", f"Claim number: {claim.payer_claim_number}",
             f"Account: {claim.claim_id}", "", "DOS 10/06/2026  CPT 72148  billed 1180.00  paid 0.00",
             "Adjustment CO-197: precertification/authorization absent"]
    for i, line in enumerate(lines):
        draw.text((90, 110 + i * 46), line, fill=20, font=font)
    image.save(path, dpi=(150, 150))


def letter_docx(path: Path, claim: Claim) -> None:
    document = Document()
    p = claim.patient
    document.add_heading("Letter of medical necessity", level=1)
    document.add_paragraph(f"Patient: {p.first_name} {p.last_name}, DOB {p.dob:%m/%d/%Y}, member ID {p.member_id}")
    document.add_paragraph(
        "I performed a laparoscopic cholecystectomy (CPT 47562) on 09/18/2026 for symptomatic "
        "cholelithiasis (K80.20) after three documented episodes of biliary colic and an "
        "ultrasound showing multiple gallstones. Surgery was the appropriate treatment.")
    document.add_paragraph("Example Surgeon, MD (synthetic)")
    document.save(str(path))


def era_example() -> None:
    """examples/era: a synthetic 835 with one claim per common denial, and the records for
    ACCT-9001 filed by convention (<root>/<claim_id>/<kind>*.pdf)."""
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from tests.x12gen import denial_mix, interchange

    folder = ROOT / "era"
    (folder / "records" / "ACCT-9001").mkdir(parents=True, exist_ok=True)
    mix = denial_mix()
    (folder / "remittance-2026-10-14.835").write_text(interchange(mix))
    nora = mix[0]
    lines = [f"Patient: {nora.first} {nora.last}", f"Member ID: {nora.member_id}"]
    body = "".join(f"<p>{line}</p>" for line in lines)
    pdf(folder / "records" / "ACCT-9001" / "prescription-cpap.pdf",
        f"<h1>Standard written order</h1>{body}<p>CPAP E0601 with heated humidifier; length of need 99 months.</p>")
    pdf(folder / "records" / "ACCT-9001" / "progress_notes-2026-08.pdf",
        f"<h1>Sleep clinic progress notes</h1>{body}<p>AHI 31/h on attended polysomnography; CPAP ordered.</p>")
    print(f"wrote {folder}")


def main() -> None:
    era_example()
    for folder in sorted(p for p in ROOT.iterdir() if (p / "claim.yaml").is_file()):
        claim = load_claims(folder / "claim.yaml")[0].claim
        docs = folder / "docs"
        docs.mkdir(exist_ok=True)
        for attachment in claim.attachments:
            target = folder / attachment.path
            if attachment.kind.value == "remittance_advice" and target.suffix == ".pdf":
                pdf(target, remittance_html(claim))
            elif target.suffix == ".png":
                scan_png(target, claim)
            elif target.suffix == ".tif":
                fax_tiff(target, claim, "DELIVERY TICKET / PROOF OF DELIVERY", 2)
            elif target.suffix == ".docx":
                letter_docx(target, claim)
            elif target.name == "sleep-study.pdf":
                pdf(target, notes_html(claim, "Attended polysomnography report", [
                    "Study date 08/20/2026. Total sleep time 382 minutes.",
                    "Apnea-hypopnea index (AHI) 28 events/hour; oxygen nadir 82%.",
                    "Impression: moderate obstructive sleep apnea (G47.33). CPAP recommended."], 2))
            elif target.name == "authorization.pdf":
                pdf(target, notes_html(claim, "Prior authorization approval", [
                    "Authorization number EXA-55012, approved 09/29/2026.",
                    "Approved service: CPT 72148 MRI lumbar spine without contrast, 1 unit.",
                    "Valid 09/29/2026 through 12/28/2026."]), size="A4")
            else:
                pdf(target, notes_html(claim, attachment.title or attachment.kind.value, [
                    "Chief complaint and history documented at a face-to-face visit.",
                    "Assessment and plan support the item or service billed on this claim.",
                    "Electronically signed by the treating practitioner (synthetic example)."],
                    2 if attachment.kind.value == "progress_notes" else 1))
            print(f"wrote {target}")


if __name__ == "__main__":
    main()

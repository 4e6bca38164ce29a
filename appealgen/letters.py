"""Letters alone, for mailing or review: the letter each claim's plan chooses, rendered with the
same context a packet's letter gets (its enclosures list names the documents the claim lists),
written as OUT/<claim_id>.docx and/or .pdf; no attachments merged, no packet."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Literal

from pypdf import PdfWriter

from appealgen.attachments import confine, default_title
from appealgen.build import mark
from appealgen.errors import InputError
from appealgen.models import Claim
from appealgen.outcome import Outcome
from appealgen.output import write_atomic
from appealgen.packet import stamped
from appealgen.plan import remittance_place
from appealgen.planned import plan_item
from appealgen.render.context import letter_context
from appealgen.render.parts import convert_word, extras, remittance_title, render_letter
from appealgen.settings import Settings
from appealgen.sources.items import Item
from appealgen.toolkit import Toolkit

Format = Literal["docx", "pdf", "both"]
MERGED = "letters-merged.pdf"


def enclosure_titles(claim: Claim, order: list[int]) -> list[tuple[str, str]]:
    """(kind, title) of the documents the claim lists, in packet order; the 835's remittance page
    when the claim came from one and lists no remittance advice of its own."""
    titles = [(claim.attachments[i].kind.value, default_title(claim.attachments[i])) for i in order]
    if claim.remittance is not None and not any(a.kind.value == "remittance_advice" for a in claim.attachments):
        titles.insert(remittance_place(claim, [kind for kind, _ in titles]),
                      ("remittance_advice", remittance_title(claim.remittance)))
    return titles


def unfound_enclosures(settings: Settings, item: Item) -> list[str]:
    """The claim's documents (by field) that cannot be read where the claim says they are: the
    letter still lists them as enclosed, so whoever mails it must find them (or fix the paths)."""
    root = settings.attachments_root or item.base
    unfound = []
    for index, attachment in enumerate(item.claim.attachments):
        field = f"attachments[{index}].path"
        try:
            found = confine(attachment.path, root, Path(item.origin), field).is_file()
        except InputError:
            found = False
        if not found:
            unfound.append(field)
    return unfound


def letter_one(settings: Settings, tools: Toolkit, item: Item, form: Format) -> Outcome:
    """Render one claim's letter; Word templates give .docx (and .pdf when asked), HTML ones .pdf.
    A claim whose action sends nothing gets no letter: the outcome says what to do instead."""
    planned = plan_item(settings, tools, item)
    claim = planned.claim
    if not planned.plan.packet:
        return Outcome(item.origin, claim.claim_id, plan=planned.plan, instead=planned.plan.instead)
    titles = enclosure_titles(claim, planned.plan.attachment_order)
    more = extras(settings, tools, claim)
    context = letter_context(claim, planned.profile, planned.plan, titles, settings.today, more, in_packet=False)
    path = settings.workspace.template("letters", planned.plan.letter, claim.payer)
    base = settings.out / item.practice / claim.claim_id
    written: list[Path] = []
    with tempfile.TemporaryDirectory(prefix="appealgen-") as tmp:
        letter, docx = render_letter(tools, path, planned.plan.letter, context, Path(tmp), more.signature)
        if docx is not None and form in ("docx", "both"):
            write_atomic(base.with_suffix(".docx"), docx.read_bytes())
            written.append(base.with_suffix(".docx"))
        if docx is None or form in ("pdf", "both"):
            if docx is not None:
                convert_word(tools, [letter], Path(item.origin), Path(tmp), docx)
            write_atomic(base.with_suffix(".pdf"),
                         stamped(letter.pdf, mark(claim, planned.profile), planned.plan.would_fail))
            written.append(base.with_suffix(".pdf"))
    return Outcome(item.origin, claim.claim_id, plan=planned.plan, files=written,
                   unfound=unfound_enclosures(settings, item))


class LetterWork:
    """`letter_one` with its format bound; a plain class so a worker process can receive it."""

    def __init__(self, form: Format) -> None:
        self.form = form

    def __call__(self, settings: Settings, tools: Toolkit, item: Item) -> Outcome:
        return letter_one(settings, tools, item, self.form)


def merge_letters(out: Path, outcomes: list[Outcome]) -> Path | None:
    """One PDF of the letters ready to mail, in claim order, for printing: a letter whose
    packet would fail its check stays in its own file, stamped INCOMPLETE."""
    pdfs = sorted((o.claim_id or "", f) for o in outcomes if not o.letter_alone_incomplete
                  for f in o.files if f.suffix == ".pdf")
    if not pdfs:
        return None
    writer = PdfWriter()
    for _, pdf in pdfs:
        writer.append(str(pdf))
    writer.add_metadata({"/Title": "Letters", "/Producer": "appealgen"})
    target = out / MERGED
    with tempfile.TemporaryFile() as buffer:
        writer.write(buffer)
        buffer.seek(0)
        write_atomic(target, buffer.read())
    return target


def word_only(outcomes: list[Outcome]) -> int:
    """How many letters were asked for as .docx but come from HTML templates (written as PDF)."""
    return sum(1 for o in outcomes if o.files and all(f.suffix == ".pdf" for f in o.files))

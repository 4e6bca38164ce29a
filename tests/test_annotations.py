"""What annotations survive assembly: links and comments, never embedded files."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import WriteClaim
from tests.helpers import (
    HTML_LETTER,
    build,
    object_types,
    subtypes,
    with_file_attachment,
)
from tests.pdfs import make_pdf, with_link_and_comment


def test_file_attachment_annotations_are_dropped_links_and_comments_kept(
    write_claim: WriteClaim, tmp_path: Path
) -> None:
    source = with_file_attachment(with_link_and_comment(make_pdf(2)), b"Patient: Otto OTHERPERSON\n")
    assert b"OTHERPERSON" in source
    claim = write_claim(appeal=HTML_LETTER, files={"docs/notes.pdf": source})
    assert build(claim, tmp_path / "out")[0] == 0
    packet = tmp_path / "out" / "TEST-1" / "packet.pdf"
    assert b"OTHERPERSON" not in packet.read_bytes()
    annotations = subtypes(packet)
    assert all("/FileAttachment" not in page for page in annotations)
    assert annotations[4] == ["/Link", "/Text"]  # page 1 of the notes is page 5 of the packet
    assert object_types(packet).isdisjoint({"/EmbeddedFile", "/Filespec"})

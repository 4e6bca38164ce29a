"""Hostile PDFs through `appealgen build`: encrypted, broken, disguised, active, and built to
exhaust a parser. Each is refused with its exact message within the limits, or built with its
active content removed, reported, and proven absent from the finished packet.
"""

from __future__ import annotations

import io
import random
import re
import time
from collections.abc import Callable
from pathlib import Path

import pikepdf
import pytest
from pypdf import PdfReader

from appealgen.attachments import Cleaned, preflight_pdf, prepare
from appealgen.errors import InputError
from appealgen.packet import ActiveContentLeft, prove_clean
from appealgen.pdf import open_document
from appealgen.preflight import LIMITS, Limits, Refused
from appealgen.sanitize import Unreadable, denied_names
from appealgen.sources.claim_file import load_claim_file
from tests import hostile_files as hostile
from tests.conftest import WriteClaim
from tests.helpers import HTML_LETTER, build, pdf_text
from tests.pdfs import encrypted, make_pdf

NOTES = "attachments[1].path"  # the progress notes in the default test claim
SECONDS = 10.0  # any refusal here takes a fraction of this on the CI machine


def build_with_notes(write_claim: WriteClaim, tmp_path: Path, data: bytes, name: str = "docs/notes.pdf",
                     *extra: str) -> tuple[int, str, float]:
    attachments = [{"kind": "remittance_advice", "path": "docs/ra.pdf"},
                   {"kind": "progress_notes", "path": name, "title": "Progress notes"}]
    claim = write_claim(appeal=HTML_LETTER, attachments=attachments, files={name: data})
    started = time.monotonic()
    code, _, stderr = build(claim, tmp_path / "out", *extra)
    return code, stderr.replace(f"{claim}: ", "CLAIM: "), time.monotonic() - started


def assert_clean(packet: Path) -> None:
    """The independent deny-list scan of every object in the finished file."""
    assert denied_names(packet.read_bytes()) == set()


# --- encrypted, empty, truncated, disguised ------------------------------------------------


def test_a_user_password_is_refused_as_encrypted(write_claim: WriteClaim, tmp_path: Path) -> None:
    code, stderr, _ = build_with_notes(write_claim, tmp_path, encrypted(make_pdf(), "secret", "owner"))
    assert (code, stderr) == (1, f"CLAIM: {NOTES}: PDF is encrypted with a password; send an unlocked copy\n")
    assert not (tmp_path / "out").exists()


def test_an_owner_password_only_pdf_is_opened_and_not_encrypted_in_the_packet(
    write_claim: WriteClaim, tmp_path: Path
) -> None:
    code, stderr, _ = build_with_notes(write_claim, tmp_path, encrypted(make_pdf(), "", "owner"))
    assert code == 0, stderr
    packet = tmp_path / "out" / "TEST-1" / "packet.pdf"
    assert b"/Encrypt" not in packet.read_bytes()
    assert "Member ID: 9XX9XX9XX99" in pdf_text(packet)


@pytest.mark.parametrize(("name", "data", "message"), [
    ("docs/notes.pdf", b"", "file is empty (0 bytes)"),
    ("docs/notes.pdf", make_pdf()[:-600], "PDF is truncated (no end-of-file marker)"),
    ("docs/notes.pdf", b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>",
     "unsupported file: its content is an HTML or XML page (the type is read from the file, not its name)"),
    ("docs/notes.pdf", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00",
     "unsupported file: its content is of unknown type (the type is read from the file, not its name)"),
], ids=["zero-bytes", "truncated", "html-named-pdf", "executable-named-pdf"])
def test_broken_or_disguised_files_are_refused_by_their_bytes(
    write_claim: WriteClaim, tmp_path: Path, name: str, data: bytes, message: str
) -> None:
    code, stderr, _ = build_with_notes(write_claim, tmp_path, data, name)
    assert (code, stderr) == (1, f"CLAIM: {NOTES}: {message}\n")


def test_a_pdf_named_png_is_read_as_the_pdf_it_is(write_claim: WriteClaim, tmp_path: Path) -> None:
    code, stderr, _ = build_with_notes(write_claim, tmp_path, make_pdf(2), "docs/notes.png")
    assert code == 0, stderr
    assert "Source page 2" in pdf_text(tmp_path / "out" / "TEST-1" / "packet.pdf")


# --- active content --------------------------------------------------------------------------


@pytest.mark.parametrize(("make", "removed"), hostile.ACTIVE_PDFS.values(), ids=hostile.ACTIVE_PDFS.keys())
def test_active_content_is_removed_reported_and_absent_from_the_packet(
    write_claim: WriteClaim, tmp_path: Path, make: Callable[[], bytes], removed: str
) -> None:
    code, stderr, _ = build_with_notes(write_claim, tmp_path, make())
    assert code == 0, stderr
    assert stderr.splitlines()[1:] == [f"  warning: attachments[1] (progress notes): removed {removed}"]
    packet = tmp_path / "out" / "TEST-1" / "packet.pdf"
    assert_clean(packet)
    assert "Member ID: 9XX9XX9XX99" in pdf_text(packet)  # the document itself is kept


@pytest.mark.parametrize("make", [hostile.uri_link, hostile.launch, hostile.submit_form],
                         ids=["uri", "launch", "submit-form"])
def test_a_link_that_leaves_the_document_is_dropped_not_kept_inert(make: Callable[[], bytes]) -> None:
    clean, pages, removed = preflight_pdf(make())
    annotations = PdfReader(io.BytesIO(clean)).pages[0].get("/Annots")
    assert pages == 1 and removed
    assert annotations is None or len(annotations.get_object()) == 0


def test_page_level_private_data_does_not_survive(write_claim: WriteClaim, tmp_path: Path) -> None:
    code, stderr, _ = build_with_notes(write_claim, tmp_path, hostile.piece_info())
    assert code == 0, stderr
    packet = (tmp_path / "out" / "TEST-1" / "packet.pdf").read_bytes()
    assert b"PieceInfo" not in packet and b"EHRApp" not in packet
    assert_clean(tmp_path / "out" / "TEST-1" / "packet.pdf")


def test_a_document_with_several_kinds_names_them_all_in_one_warning() -> None:
    _, _, removed = preflight_pdf(hostile.one_page_pdf(
        catalog_extra=b"/OpenAction 6 0 R /Names << /EmbeddedFiles << /Names [(x) 7 0 R] >> >>",
        more=[hostile.JS, b"<< /Type /Filespec /F (x) /EF << /F 8 0 R >> >>", hostile.stream(b"x")]))
    from appealgen.sanitize import describe

    assert describe(removed) == "JavaScript and an embedded file"


def test_the_packet_is_not_written_when_the_final_scan_finds_active_content(
    write_claim: WriteClaim, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The scan is a second, independent wall: with removal switched off it stops the build."""
    import appealgen.attachments
    import appealgen.packet

    monkeypatch.setattr(appealgen.attachments, "strip_active", lambda roots: set())
    monkeypatch.setattr(appealgen.packet, "strip_active", lambda roots: set())
    code, stderr, _ = build_with_notes(write_claim, tmp_path, hostile.launch())
    assert (code, stderr) == (5, "the packet still holds active content (/Launch); nothing written for this claim\n")
    assert not (tmp_path / "out").exists()


def test_the_final_scan_finds_denied_names_wherever_the_file_holds_them() -> None:
    """Keys and values, escaped or not, in direct objects nested in others, in stream dictionaries,
    in objects nothing refers to, and in the trailer; a string that reads like a name is text."""
    data = hostile.raw_pdf([
        b"<< /Type /Catalog /Pages 2 0 R /Extra [ << /J#53 (x) /Note (/URI) >> ] >>",
        b"<< /Type /Pages /Kids [] /Count 0 >>",
        b"<< /S /Launch >>",  # unreachable
        hostile.stream(b"x", extra=b" /AA << /O [ /Movie ] >>"),  # unreachable too
    ], trailer=b"/OpenAction 3 0 R")
    assert denied_names(data) == {"/JS", "/Launch", "/AA", "/Movie", "/OpenAction"}


def test_the_final_scan_finds_content_kept_outside_the_file() -> None:
    """A stream whose data is another file, an OPI link and a web file specification: found in the
    written file as they are, with /F of any other dictionary (an annotation's flags) left alone."""
    data = hostile.raw_pdf([
        b"<< /Type /Catalog /Pages 2 0 R /Extra << /FS /URL /F (http://198.51.100.7/x) >> >>",
        b"<< /Type /Pages /Kids [] /Count 0 >>",
        hostile.stream(b"x", extra=b" /F (data.bin)"),
        hostile.stream(b"x", extra=hostile.IMAGE + b" /OPI << >>"),
        b"<< /Type /Annot /Subtype /Text /F 4 >>",
    ])
    assert denied_names(data) == {"/URL", "/F", "/OPI"}


def test_the_final_scan_reads_attributes_a_page_would_inherit_as_the_file_holds_them() -> None:
    """qpdf by default moves inherited page attributes onto the pages and drops from the page tree
    what no page inherits: the scan must see the file as it is, not a tidied copy."""
    data = hostile.raw_pdf([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 /Resources << /XObject << /X1 << /AA << >> >> >> >> "
        b"/Rotate /Launch >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << >> /Rotate 0 >>",
    ])
    assert denied_names(data) == {"/AA", "/Launch"}


def test_the_final_scan_does_not_repair_a_file_to_read_it() -> None:
    """A file without its cross-reference table can be rebuilt by scanning it, but the rebuilt
    document is not the file: the scan refuses it."""
    with pytest.raises(Unreadable):
        denied_names(hostile.one_page_pdf().split(b"xref")[0] + b"%%EOF\n")


def test_a_packet_that_cannot_be_read_back_is_refused() -> None:
    with pytest.raises(ActiveContentLeft) as refused:
        prove_clean(b"%PDF-1.7\nnot a document\n%%EOF\n")
    assert str(refused.value) == ("the packet could not be read back to prove it holds no active content; "
                                  "nothing written for this claim")


# --- parser exhaustion -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def inflating() -> bytes:
    return hostile.inflating_stream_pdf()  # 1 GiB once inflated, about 5 MB on disk


@pytest.mark.parametrize(("make", "message"), [
    (hostile.circular_kids_pdf, "its page tree loops back on itself"),
    (hostile.deep_nesting_pdf, "nests objects more than 64 deep"),
    (lambda: hostile.many_pages_pdf(20_000), "has more than 2,000 pages"),
], ids=["circular-kids", "10000-deep-nesting", "20000-pages"])
def test_structures_built_to_exhaust_a_parser_are_refused_quickly(
    write_claim: WriteClaim, tmp_path: Path, make: Callable[[], bytes], message: str
) -> None:
    code, stderr, seconds = build_with_notes(write_claim, tmp_path, make())
    assert (code, stderr) == (1, f"CLAIM: {NOTES}: {message}\n")
    assert seconds < SECONDS


def test_a_1_gib_inflating_stream_is_refused_without_inflating_it(
    write_claim: WriteClaim, tmp_path: Path, inflating: bytes
) -> None:
    code, stderr, seconds = build_with_notes(write_claim, tmp_path, inflating)
    assert (code, stderr) == (1, f"CLAIM: {NOTES}: has a stream that decompresses to more than 268 MB\n")
    assert seconds < SECONDS


def test_an_xref_loop_is_read_once(write_claim: WriteClaim, tmp_path: Path) -> None:
    code, stderr, seconds = build_with_notes(write_claim, tmp_path, hostile.xref_loop_pdf())
    assert code == 0, stderr
    assert seconds < SECONDS


def test_a_shared_content_stream_counts_once_per_page() -> None:
    """Many pages drawing one large stream: the work is the sum over pages, and it is limited."""
    big = hostile.stream(b"0 0 m 1 1 l S\n" * 600_000, compress=True)  # 8.4 MB of drawing, 40 KB on disk
    kids = b" ".join(b"%d 0 R" % (5 + n) for n in range(40))
    page = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 3 0 R >>"
    data = hostile.raw_pdf([b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [%s] /Count 40 >>" % kids,
                            big, hostile.FONT, *[page] * 40])
    started = time.monotonic()
    with pytest.raises(Refused, match=r"^has more than 268 MB of page content in all$"):
        preflight_pdf(data)
    assert time.monotonic() - started < SECONDS


# --- fuzzing ---------------------------------------------------------------------------------

SEEDS = [make_pdf(2), *(make() for make, _ in list(hostile.ACTIVE_PDFS.values())[:6]), hostile.circular_kids_pdf()]


def mutate(data: bytes, rng: random.Random) -> bytes:
    out = bytearray(data)
    for _ in range(rng.randint(1, 12)):
        at = rng.randrange(len(out))
        choice = rng.random()
        if choice < 0.5:
            out[at] = rng.randrange(256)
        elif choice < 0.75:
            del out[at:at + rng.randint(1, 64)]
        else:
            out[at:at] = rng.choice([b"[", b"<<", b" 0 R", b"stream\n", b"/Kids [1 0 R]", b"9999999999"]) * \
                rng.randint(1, 80)
    return bytes(out)


def test_preflight_of_mutated_pdfs_raises_only_refusals_within_a_time_bound() -> None:
    rng = random.Random(11)
    for case in range(300):
        data = mutate(rng.choice(SEEDS), rng)
        started = time.monotonic()
        try:
            clean, pages, _ = preflight_pdf(data)
        except Refused:
            pass
        else:
            assert pages >= 1
            assert denied_names(clean) == set(), f"case {case}"
        assert time.monotonic() - started < 2.0, f"case {case} took too long"


def test_names_that_are_not_utf8_are_cleaned_and_scanned_as_written() -> None:
    # A name may hold any bytes (#91 is not UTF-8); the cleaner and the final scan must neither
    # fail on one nor miss the active content beside it.
    data = hostile.one_page_pdf(page_extra=b"/K#91y /V#92al", catalog_extra=b"/OpenAction 6 0 R",
                                more=[b"<< /S /JavaScript /JS (app.alert(1)) /N#93 /X#94 >>"])
    assert denied_names(data) == {"/OpenAction", "/JS", "/JavaScript"}
    clean, pages, removed = preflight_pdf(data)
    assert (pages, removed) == (1, {"JavaScript"})
    assert denied_names(clean) == set()


def test_a_pdf_whose_pages_the_two_readers_count_differently_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    # pypdf checks the file under the limits and qpdf rewrites it: when they disagree on the
    # pages, the page numbers in the index could not be trusted.
    import appealgen.attachments
    from appealgen.pdf import open_checked as real

    def one_page_less(data: bytes, checked: PdfReader) -> pikepdf.Pdf:
        document = real(data, checked)
        del document.pages[-1]
        return document

    monkeypatch.setattr(appealgen.attachments, "open_checked", one_page_less)
    with pytest.raises(Refused, match=r"^PDF is damaged and cannot be read$"):
        preflight_pdf(make_pdf(2))


def test_a_damaged_pdf_is_rewritten_from_what_was_checked_before_it_is_cleaned() -> None:
    # The pointer to the cross-references is wrong: pypdf rebuilds them by scanning the file,
    # and qpdf, which never repairs, reads pypdf's rewrite of the objects it checked.
    damaged = re.sub(rb"startxref\s+\d+", b"startxref\n7", make_pdf(2, outline=["Mark"]))
    with pytest.raises(pikepdf.PdfError):
        open_document(damaged)
    clean, pages, removed = preflight_pdf(damaged)
    assert (pages, removed) == (2, set())
    assert "Source page 2" in PdfReader(io.BytesIO(clean)).pages[1].extract_text()


# --- each limit, on its own ------------------------------------------------------------------


def png_pdf(width: int, height: int) -> bytes:
    import io

    import img2pdf
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (width, height), (90, 90, 90)).save(out, format="PNG")
    return bytes(img2pdf.convert(out.getvalue()))


@pytest.mark.parametrize(("data", "limits", "message"), [
    (make_pdf(3), Limits(pdf_objects=5), "has more than 5 objects"),
    (make_pdf(3), Limits(pages=2), "has more than 2 pages"),
    (hostile.one_page_pdf(content=hostile.PAGE_TEXT + b" " * 2_000), Limits(page_content_bytes=1_000),
     "has a page whose content is larger than 0.001 MB"),
    (png_pdf(100, 100), Limits(pixels=1_000), "has an image larger than 1,000 pixels"),
    (make_pdf(3), Limits(seconds=0), "too complex to check within 0 s"),
], ids=["objects", "pages", "page-content", "image-pixels", "time-budget"])
def test_each_pdf_limit_refuses_on_its_own(data: bytes, limits: Limits, message: str) -> None:
    with pytest.raises(Refused) as refused:
        preflight_pdf(data, limits)
    assert str(refused.value) == message


# --- the attachment file size ----------------------------------------------------------------


def test_an_attachment_one_byte_over_the_file_size_limit_is_refused_and_one_at_it_is_read(
    write_claim: WriteClaim,
) -> None:
    """The real reading path (`prepare`) with a 1,000-byte limit in place of 200 MB."""
    at_limit = make_pdf() + b"\n" * (1_000 - len(make_pdf()))  # a PDF may end in blank lines
    attachments = [{"kind": "progress_notes", "path": "docs/at.pdf"},
                   {"kind": "progress_notes", "path": "docs/over.pdf"}]
    claim_file = write_claim(attachments=attachments,
                             files={"docs/at.pdf": at_limit, "docs/over.pdf": at_limit + b"\n"})
    [item] = load_claim_file(claim_file).items
    limits = Limits(file_bytes=1_000)
    assert prepare(item.claim.attachments[0], 0, claim_file.parent, claim_file, limits).pages == 1
    with pytest.raises(InputError) as refused:
        prepare(item.claim.attachments[1], 1, claim_file.parent, claim_file, limits)
    # in megabytes both would read 0.001 MB: the message gives bytes then
    assert refused.value.lines() == [
        f"{claim_file}: attachments[1].path: is 1,001 bytes; the limit is 1,000 bytes (0.001 MB)"]


def test_an_attachment_one_byte_over_200_mb_is_refused_unread(write_claim: WriteClaim, tmp_path: Path) -> None:
    """The default limit, through `appealgen build`: a sparse file, refused from its size alone."""
    attachments = [{"kind": "remittance_advice", "path": "docs/ra.pdf"},
                   {"kind": "progress_notes", "path": "docs/notes.pdf", "title": "Progress notes"}]
    claim = write_claim(appeal=HTML_LETTER, attachments=attachments)
    with (claim.parent / "docs" / "notes.pdf").open("r+b") as handle:
        handle.truncate(200_000_001)  # sparse: nothing is written, and nothing must be read
    code, _, stderr = build(claim, tmp_path / "out")
    assert (code, stderr) == (1, f"{claim}: {NOTES}: is 200,000,001 bytes; the limit is 200,000,000 bytes (200 MB)\n")


# --- a file met again ------------------------------------------------------------------------


def test_a_file_met_again_is_not_preflighted_again_and_its_removals_are_still_reported(
    write_claim: WriteClaim, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same bytes under two names (the same records behind two claims): the second is
    taken from the cache, with the same cleaned bytes, page count and removals."""
    data = hostile.js_open_action()
    attachments = [{"kind": "progress_notes", "path": "docs/a.pdf"}, {"kind": "progress_notes", "path": "docs/b.pdf"}]
    claim_file = write_claim(attachments=attachments, files={"docs/a.pdf": data, "docs/b.pdf": data})
    [item] = load_claim_file(claim_file).items
    first_attachment, second_attachment = item.claim.attachments[:2]
    cache: dict[tuple[str, Limits], Cleaned] = {}
    first = prepare(first_attachment, 0, claim_file.parent, claim_file, cache=cache)
    assert first.removed == {"JavaScript"}

    def preflighted_again(*_: object) -> Cleaned:
        raise AssertionError("preflight ran again for a file it has seen")

    monkeypatch.setattr("appealgen.attachments.clean_pdf", preflighted_again)
    second = prepare(second_attachment, 1, claim_file.parent, claim_file, cache=cache)
    assert (second.pdf, second.pages, second.removed) == (first.pdf, first.pages, first.removed)
    second.removed.add("a web link")
    assert cache[(first.sha256, LIMITS)].removed == {"JavaScript"}, "a part's warning set is the cache's"
    # Other limits are another check: nothing is taken from the cache for them.
    with pytest.raises(AssertionError, match="preflight ran again"):
        prepare(second_attachment, 1, claim_file.parent, claim_file, Limits(pages=5), cache=cache)


def test_the_preflight_cache_forgets_the_oldest_files_past_its_byte_budget() -> None:
    from appealgen.caches import WeighedCache

    cache: WeighedCache[str, bytes] = WeighedCache(size=10, budget=100, weigh=len)
    cache["a"], cache["b"] = b"x" * 40, b"x" * 40
    _ = cache["a"]  # used: now the newest
    cache["c"] = b"x" * 40
    assert list(cache) == ["a", "c"] and cache.weight == 80
    cache["huge"] = b"x" * 101  # larger than the whole budget: not kept, and nothing else is lost for it
    assert list(cache) == ["a", "c"]


def test_the_preflight_cache_keeps_a_file_the_second_time_it_is_met() -> None:
    from appealgen.caches import WeighedCache

    cache: WeighedCache[str, bytes] = WeighedCache(size=10, budget=100, weigh=len, second_sight=2)
    cache["a"] = b"x"
    assert "a" not in cache and cache.weight == 0  # met once: most files of a batch are, and stay out
    cache["a"] = b"x"
    assert cache["a"] == b"x" and cache.weight == 1
    cache["b"], cache["c"], cache["d"] = b"y", b"y", b"y"  # three more met once: "b" is forgotten as offered
    cache["b"] = b"y"
    assert "b" not in cache


def test_a_file_taken_from_the_preflight_cache_becomes_its_most_recently_used() -> None:
    from appealgen.attachments import Cleaned, _cleaned
    from appealgen.caches import BoundedCache

    cache: BoundedCache[tuple[str, Limits], Cleaned] = BoundedCache(2)
    for digest in ("a", "b", "a", "c"):  # "a" used again before "c" comes: "b" is the one to go
        _cleaned(digest, LIMITS, cache, lambda: Cleaned(b"%PDF", 1, set()))
    assert [digest for digest, _ in cache] == ["a", "c"]

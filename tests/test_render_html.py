"""The HTML renderer's set-up: what it mends in the libraries it drives, and the stylesheets it
parses once."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import tinyhtml5
from tinyhtml5 import inputstream
from weasyprint import HTML

from appealgen.render.html import HtmlRenderer
from appealgen.sources.claim_file import load_claims
from tests.builder import Builder
from tests.conftest import REPO

LETTER = ("<html><head><style>p { color: #333 }</style></head>"
          "<body><p class='a' title=\"x\">Rosa &amp; Testcase</p><table><tr><td>1</td></tr></table></body></html>")


def test_the_html_parser_builds_each_pattern_once(tmp_path: Path) -> None:
    HtmlRenderer([tmp_path])
    tinyhtml5.parse(LETTER)
    built = dict(inputstream.characters_until_regex)
    assert built, "the parser looked nothing up"
    assert all(isinstance(opposite, bool) and not isinstance(characters, re.Pattern)
               for characters, opposite in built), "patterns stored under the pattern, not the characters"
    tinyhtml5.parse(LETTER)
    assert inputstream.characters_until_regex.keys() == built.keys()
    assert all(inputstream.characters_until_regex[key] is pattern for key, pattern in built.items())


def test_the_parser_patterns_are_the_ones_it_would_build(tmp_path: Path) -> None:
    HtmlRenderer([tmp_path])
    patterns = inputstream.characters_until_regex
    assert patterns[(("&", "<", "\u0000"), False)].pattern == r"[^\x26\x3c\x00]+"  # up to any of them
    assert patterns[(("\t", " "), True)].pattern == r"[\x09\x20]+"  # a run of them
    stream = inputstream.HTMLUnicodeInputStream("Rosa &amp; Testcase")
    assert stream.chars_until(("&", "<", "\u0000")) == "Rosa "


def test_a_stylesheet_parsed_once_lays_out_the_packet_as_the_documents_own(builder: Builder, tmp_path: Path) -> None:
    """An HTML letter, its cover sheet and the index: the same bytes either way."""
    item = load_claims(REPO / "examples" / "auth-commercial" / "claim.yaml")[0]
    builder.tools.renderer.reuse_sheets = False
    builder.build(item, tmp_path / "own")
    builder.tools.renderer.reuse_sheets = True
    builder.build(item, tmp_path / "reused")
    builder.build(item, tmp_path / "reused-again")  # the sheets now come from the cache
    own = (tmp_path / "own" / "ACCT-3003" / "packet.pdf").read_bytes()
    assert (tmp_path / "reused" / "ACCT-3003" / "packet.pdf").read_bytes() == own
    assert (tmp_path / "reused-again" / "ACCT-3003" / "packet.pdf").read_bytes() == own
    assert len(builder.tools.renderer.sheets) == 2  # the letter's and the front's, each parsed once


def test_a_reused_sheet_is_parsed_once_and_taken_out_of_the_document(tmp_path: Path) -> None:
    renderer = HtmlRenderer([tmp_path])
    first, second = (HTML(string=LETTER, base_url=str(tmp_path)) for _ in range(2))
    [sheet] = renderer.reused_sheets(first)
    assert renderer.reused_sheets(second) == [sheet]
    assert not [element for element in second.etree_element.iter() if element.tag == "style"]


def test_several_sheets_cascade_in_their_order(tmp_path: Path) -> None:
    page = ("<html><head><style>p { color: red; font-size: 20pt }</style><style>p { color: blue }</style></head>"
            "<body><p>Later rules win</p></body></html>")
    renderer = HtmlRenderer([tmp_path])
    reused = renderer.pdf(page, tmp_path, "two.html")
    renderer.reuse_sheets = False
    assert renderer.pdf(page, tmp_path, "two.html") == reused
    assert len(renderer.sheets) == 2


SHEET = "<style>p { color: red !important } p.x { font-size: 20pt }</style>"  # reusable on its own


def document(head: str = SHEET, body: str = "<p class=x>x</p>", root: str = "") -> str:
    return f"<html{root}><head>{head}</head><body>{body}</body></html>"


def test_the_sheet_the_cases_below_share_is_reusable_on_its_own(tmp_path: Path) -> None:
    assert len(HtmlRenderer([tmp_path]).reused_sheets(HTML(string=document(), base_url=str(tmp_path)))) == 1


# Each document would lay out differently if its sheets were taken out and reused: it keeps its own.
KEEPS_ITS_SHEETS = {
    # a reused sheet cascades as the user's, so its !important would beat the attribute's
    "important style attribute": document(body='<p style="color: blue !important">x</p>'),
    "IMPORTANT in capitals": document(body='<p style="color: blue !IMPORTANT">x</p>'),
    "spaced important": document(body='<p style="color: blue ! important">x</p>'),
    "on the root element": document(root=' style="color: blue !important"'),
    "linked sheet": document(SHEET + '<link rel="stylesheet" href="more.css">'),  # the order would change
    "style with a media attribute": document(SHEET + '<style media="print">p { color: green }</style>'),
    "counter style": document(SHEET + "<style>@counter-style thumbs { system: cyclic; symbols: '+'; }</style>"),
    "import": document(SHEET + "<style>@import url(more.css);</style>"),
    "import in capitals, in @media": document(SHEET + "<style>@media print { @IMPORT url(more.css); }</style>"),
    "escaped at-keyword": document(SHEET + "<style>@\\69mport url(more.css);</style>"),
    # the document orders its sheets' layers as one list: base (sheet 1) before theme (sheet 2)
    "layers across sheets": document("<style>@layer base { p.x { color: red } }</style>"
                                     "<style>@layer theme { p { color: blue } }</style>"),
    # in <body>: the text after it would go with it, and `h2 + p` would match once it was gone
    "style in the body": document(body="<h2>H</h2><style>h2 + p { color: green }</style>Text after<p>x</p>"),
}


@pytest.mark.parametrize("html", KEEPS_ITS_SHEETS.values(), ids=KEEPS_ITS_SHEETS.keys())
def test_a_document_keeps_its_own_sheets_where_reusing_them_could_change_it(tmp_path: Path, html: str) -> None:
    page = HTML(string=html, base_url=str(tmp_path))
    assert HtmlRenderer([tmp_path]).reused_sheets(page) == []
    assert len([element for element in page.etree_element.iter() if element.tag == "style"]) >= 1
    renderer = HtmlRenderer([tmp_path])
    reused = renderer.pdf(html, tmp_path, "kept.html")
    renderer.reuse_sheets = False
    assert renderer.pdf(html, tmp_path, "kept.html") == reused

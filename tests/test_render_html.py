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


@pytest.mark.parametrize("html", [
    '<p style="color: blue !important">x</p>',  # the sheet's !important would win as the user's
    '<link rel="stylesheet" href="more.css"><p>x</p>',  # the sheets' order would change
    '<style media="screen">p { color: red }</style>',
    "<style>@counter-style thumbs { system: cyclic; symbols: '+'; }</style>",
    "<style>@import url(more.css);</style>",
])
def test_a_document_keeps_its_own_sheets_where_reusing_them_could_change_it(tmp_path: Path, html: str) -> None:
    page = HTML(string=f"<html><head><style>p {{ color: red !important }}</style></head><body>{html}</body></html>",
                base_url=str(tmp_path))
    assert HtmlRenderer([tmp_path]).reused_sheets(page) == []
    assert [element for element in page.etree_element.iter() if element.tag == "style"]

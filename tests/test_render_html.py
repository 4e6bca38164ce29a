"""The HTML renderer's set-up: what it mends in the libraries it drives."""

from __future__ import annotations

import re
from pathlib import Path

import tinyhtml5
from tinyhtml5 import inputstream

from appealgen.render.html import HtmlRenderer

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

"""HTML -> PDF with WeasyPrint through a deny-by-default URL fetcher."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from appealgen.caches import BoundedCache
from appealgen.errors import TemplateError

# The at-rules WeasyPrint keeps with the sheet itself (@media, @page) or in the renderer's own font
# configuration (@font-face). It keeps the others for the whole document (@counter-style,
# @color-profile, @layer order) or reads a file as it parses (@import): a sheet holding one is
# parsed again in each document.
_REUSABLE_AT_RULES = {"media", "page", "font-face"}


def _reusable(text: str) -> bool:
    """Whether every at-rule of a stylesheet, inside @media too, is one WeasyPrint keeps with
    the sheet (escapes and case are read as the CSS parser reads them)."""
    import tinycss2

    pending = list(tinycss2.parse_stylesheet(text, skip_comments=True, skip_whitespace=True))
    while pending:
        rule = pending.pop()
        if rule.type != "at-rule":
            continue
        if rule.lower_at_keyword not in _REUSABLE_AT_RULES:
            return False
        if rule.lower_at_keyword == "media" and rule.content is not None:
            pending += tinycss2.parse_rule_list(rule.content, skip_comments=True, skip_whitespace=True)
    return True


def _fetcher_class() -> Any:
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class ConfinedFetcher(URLFetcher):  # type: ignore[misc]
        """Serves data: URIs and files inside the template folders; refuses everything else."""

        def __init__(self, roots: list[Path]) -> None:
            super().__init__(allowed_protocols={"data", "file"}, allow_redirects=False)
            self.roots = [r.resolve() for r in roots]

        def fetch(self, url: str, headers: Any = None) -> Any:
            parts = urlsplit(url)
            if parts.scheme == "data":
                return super().fetch(url, headers)
            if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
                raise ValueError("refused: only template files and data: URIs may be loaded")
            path = Path(unquote(parts.path)).resolve()
            if not any(path.is_relative_to(root) for root in self.roots) or not path.is_file():
                raise ValueError("refused: file outside the template folders")
            return URLFetcherResponse(url, path.read_bytes())

    return ConfinedFetcher


class _PatternsByCharacters(dict[tuple[Iterable[str], bool], re.Pattern[str]]):
    """tinyhtml5's cache of the pattern `chars_until` matches, that builds what it lacks.

    tinyhtml5 2.x (WeasyPrint's HTML parser) stores each pattern under the wrong key
    (`characters = cache[key] = regex` rebinds `characters` before the key is made), so it never
    finds one and builds it again on every call: a few milliseconds a document. Built here,
    the pattern is stored under the key tinyhtml5 looks up. The pattern is the one it builds:
    a run of the characters, or of anything but them."""

    def __missing__(self, key: tuple[Iterable[str], bool]) -> re.Pattern[str]:
        characters, opposite = key
        listed = "".join(f"\\x{ord(character):02x}" for character in characters)
        pattern = self[key] = re.compile(f"[{listed}]+" if opposite else f"[^{listed}]+")
        return pattern


def _cache_parser_patterns() -> None:
    try:
        from tinyhtml5 import inputstream
    except ImportError:  # older WeasyPrint releases parse with html5lib
        return
    if not isinstance(getattr(inputstream, "characters_until_regex", None), dict):
        return  # a release that no longer has the cache
    if not isinstance(inputstream.characters_until_regex, _PatternsByCharacters):
        inputstream.characters_until_regex = _PatternsByCharacters()


class HtmlRenderer:
    """One per process (or worker): fonts and the fetcher are set up once."""

    def __init__(self, roots: list[Path]) -> None:
        from weasyprint.text.fonts import FontConfiguration

        # WeasyPrint logs failed loads with the URL itself (at ERROR), and a URL can hold
        # patient data: keep its log out of ours entirely.
        weasy_log = logging.getLogger("weasyprint")
        weasy_log.setLevel(logging.CRITICAL)
        weasy_log.propagate = False
        self.fonts = FontConfiguration()
        self.fetcher = _fetcher_class()(roots)
        self.sheets: BoundedCache[tuple[str, str], Any] = BoundedCache(32)
        self.reuse_sheets = True  # False: every document parses its own (tests compare the two)
        _cache_parser_patterns()

    def document(self, html: str, base: Path, name: str) -> Any:
        """Lay out `html` (relative URLs resolve against `base`); returns a WeasyPrint Document."""
        from weasyprint import HTML

        try:
            page = HTML(string=html, base_url=str(base), url_fetcher=self.fetcher)
            return page.render(font_config=self.fonts, stylesheets=self.reused_sheets(page))
        except Exception as exc:  # WeasyPrint raises many types; report the template only
            raise TemplateError(name, None, f"HTML rendering failed ({type(exc).__name__})") from None

    def reused_sheets(self, page: Any) -> list[Any]:
        """The document's <style> sheets, parsed once per process and taken out of the document.

        Every letter of a batch repeats its template's stylesheet, and parsing it costs more than
        a few milliseconds each time. A sheet passed to `render` cascades as the user's, below the
        document's own: the same as the document's sheet here, since the only author styles left
        are style attributes, which win over any sheet, except that a sheet's `!important`
        would then beat a style attribute's. So a document keeps its own sheets when a style
        attribute may say `!important`, a <style> has attributes (media, type) or stands outside
        <head> (taking it out would change the siblings selectors see), it links a stylesheet, or a
        sheet holds a rule WeasyPrint keeps for the whole document (see `_reusable`)."""
        if not self.reuse_sheets:
            return []
        root = page.etree_element
        elements = list(root.iter())
        if any(element.tag == "link" or "!" in (element.get("style") or "") for element in elements):
            return []
        head = next((child for child in root if child.tag == "head"), None)  # the HTML parser always makes one
        if head is None:
            return []
        styles = [child for child in head if child.tag == "style"]
        if len(styles) != sum(1 for element in elements if element.tag == "style") or \
                any(style.attrib for style in styles):
            return []
        sheets = [self._sheet("".join(style.itertext()), page) for style in styles]
        if any(sheet is None for sheet in sheets):
            return []
        for style in styles:  # in <head>, what follows a <style> is white space: the parser moves text to <body>
            head.remove(style)
        return sheets

    def _sheet(self, text: str, page: Any) -> Any:
        """The parsed sheet for `text` in documents based at the page's URL; None when it cannot
        serve more than one document."""
        from weasyprint import CSS

        key = (text, page.base_url)
        if key not in self.sheets:
            self.sheets[key] = CSS(string=text, base_url=page.base_url, url_fetcher=self.fetcher,
                                   font_config=self.fonts, media_type=page.media_type) if _reusable(text) else None
        return self.sheets[key]

    def pdf(self, html: str, base: Path, name: str) -> bytes:
        data: bytes = self.document(html, base, name).write_pdf()
        return data

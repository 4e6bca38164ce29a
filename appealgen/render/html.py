"""HTML -> PDF with WeasyPrint through a deny-by-default URL fetcher."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from appealgen.errors import TemplateError


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
        _cache_parser_patterns()

    def document(self, html: str, base: Path, name: str) -> Any:
        """Lay out `html` (relative URLs resolve against `base`); returns a WeasyPrint Document."""
        from weasyprint import HTML

        try:
            return HTML(string=html, base_url=str(base), url_fetcher=self.fetcher).render(
                font_config=self.fonts
            )
        except Exception as exc:  # WeasyPrint raises many types; report the template only
            raise TemplateError(name, None, f"HTML rendering failed ({type(exc).__name__})") from None

    def pdf(self, html: str, base: Path, name: str) -> bytes:
        data: bytes = self.document(html, base, name).write_pdf()
        return data

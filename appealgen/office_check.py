"""Word (.docx) and OpenDocument (.odt) files, checked before LibreOffice or docxtpl sees them.

Refused: zip bombs (total size, ratio, entry count, sizes that lie), macros, any reference
to content outside the file (external relationships such as http images or file:// targets,
linked OpenDocument images and sections, DDE), fields that pull content in when the document
is opened or updated (INCLUDETEXT, INCLUDEPICTURE, LINK, DDE, IMPORT), and XML with a DTD
(entity expansion). Hyperlinks are allowed: they fetch nothing, and links in the PDF are
removed later with the rest of the active content.
"""

from __future__ import annotations

import io
import re
import zipfile

from appealgen.preflight import MB, Budget, Limits, Refused, megabytes

_CHUNK = 1 << 16
_MACRO_PARTS = re.compile(r"(^|/)(vbaProject\.bin|vbaData\.xml|Basic/|Scripts/)", re.IGNORECASE)
_MACRO_TYPES = (b"macroEnabled", b"vbaProject", b"ms-office.activeX")
_EXTERNAL = re.compile(rb"<Relationship\b[^>]*\bTargetMode\s*=\s*[\"']External[\"'][^>]*>", re.IGNORECASE)
_HYPERLINK = re.compile(rb"\bType\s*=\s*[\"'][^\"']*/hyperlink[\"']", re.IGNORECASE)
_INSTR_TEXT = re.compile(rb"<w:instrText\b[^>]*>(.*?)</w:instrText>", re.DOTALL)
_INSTR_ATTR = re.compile(rb"\bw:instr\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")  # XML allows either quote
_FIELDS = re.compile(r"\b(INCLUDETEXT|INCLUDEPICTURE|INCLUDE|LINK|DDE|DDEAUTO|IMPORT)\b")
_DTD = re.compile(rb"<!(DOCTYPE|ENTITY)", re.IGNORECASE)
_XLINK = re.compile(rb"<([\w:.-]+)\b[^>]*\bxlink:href\s*=\s*[\"']([^\"']*)[\"']")
_ODF_SCRIPT = re.compile(rb"<(office:script|script:event-listener|office:dde-source|text:dde-connection-decl|"
                         rb"table:dde-link)\b")


def _entries(archive: zipfile.ZipFile, limits: Limits) -> list[zipfile.ZipInfo]:
    infos = archive.infolist()
    if len(infos) > limits.zip_entries:
        raise Refused(f"document holds more than {limits.zip_entries:,} files")
    declared = 0
    for info in infos:
        declared += info.file_size
        if declared > limits.zip_bytes:
            raise Refused(f"document is larger than {megabytes(limits.zip_bytes)} uncompressed")
        if info.file_size > MB and info.file_size > limits.zip_ratio * max(info.compress_size, 1):
            raise Refused(f"document has a part compressed more than {limits.zip_ratio}:1 (a zip bomb)")
    return infos


def _read(archive: zipfile.ZipFile, info: zipfile.ZipInfo, budget: Budget) -> bytes:
    """An entry's bytes, read in pieces and never past its declared size (zipfile checks the
    size and CRC at the end, so an entry that lies about its size is refused)."""
    pieces, total = [], 0
    with archive.open(info) as handle:
        while True:
            budget.check()
            piece = handle.read(_CHUNK)
            if not piece:
                break
            total += len(piece)
            if total > info.file_size:
                raise Refused("document is damaged (a part is larger than it says)")
            pieces.append(piece)
    return b"".join(pieces)


def check_office(data: bytes, limits: Limits) -> None:
    """Refuse a Word or OpenDocument file that is dangerous to open; see the module's doc."""
    budget = Budget(limits.seconds)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for info in _entries(archive, limits):
                if _MACRO_PARTS.search(info.filename):
                    raise Refused("document contains macros; save it without macros (.docx or .odt)")
                body = _read(archive, info, budget)
                if info.filename.lower().endswith((".xml", ".rels")):
                    _check_xml(info.filename, body)
    except Refused:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError, NotImplementedError):
        raise Refused("document is damaged and cannot be read") from None


def _check_xml(name: str, body: bytes) -> None:
    if _DTD.search(body):
        raise Refused("document contains an XML DTD (entity definitions); refused")
    if name == "[Content_Types].xml" and any(t in body for t in _MACRO_TYPES):
        raise Refused("document contains macros; save it without macros (.docx or .odt)")
    if name.endswith(".rels"):
        for relationship in _EXTERNAL.findall(body):
            if not _HYPERLINK.search(relationship):
                raise Refused("document refers to content outside itself (an external link or image); "
                              "embed it or remove it")
    if b"w:instr" in body:  # a plain search first: the patterns cost 20 ms on a Word letter's styles
        attributes = [double or single for double, single in _INSTR_ATTR.findall(body)]
        instructions = b"".join(_INSTR_TEXT.findall(body)) + b" " + b" ".join(attributes)
        field = _FIELDS.search(instructions.decode("utf-8", "replace").upper())
        if field:
            raise Refused(f"document has an {field.group(1)} field, which reads other files; remove the field")
    _check_opendocument(body)


def _check_opendocument(body: bytes) -> None:
    if _ODF_SCRIPT.search(body):
        raise Refused("document contains scripts or live links (DDE); refused")
    for element, href in _XLINK.findall(body) if b"xlink:href" in body else []:
        if element in (b"text:a", b"draw:a"):
            continue  # a hyperlink: nothing is fetched when the document is converted
        if re.match(rb"^[a-zA-Z][a-zA-Z0-9+.-]*:", href) or href.startswith((b"/", b"..", b"\\")):
            raise Refused("document refers to content outside itself (an external link or image); "
                          "embed it or remove it")

"""Word (.docx) and OpenDocument (.odt) files, checked before LibreOffice or docxtpl sees them.

Refused: zip bombs (total size, ratio, entry count, sizes that lie), macros, any reference
to content outside the file (external relationships such as http images or file:// targets,
linked OpenDocument images and sections, DDE), fields that pull content in when the document
is opened or updated (INCLUDETEXT, INCLUDEPICTURE, LINK, DDE, IMPORT), XML with a DTD (entity
expansion), and parts imported as the document opens (altChunk). Hyperlinks are allowed: they
fetch nothing, and links in the PDF are removed later with the rest of the active content.

Each XML part (known by its name, or by its first bytes: a part may be renamed) is read with an
XML parser, not searched as bytes: a part may be written in UTF-16, name Word's elements under
any prefix, and spell a value with character references, and LibreOffice reads all of those as
the plain form.
"""

from __future__ import annotations

import io
import re
import zipfile
from xml.parsers import expat

from appealgen.preflight import MB, Budget, Limits, Refused, megabytes

_CHUNK = 1 << 16
_MACRO_PARTS = re.compile(r"(^|/)(vbaProject\.bin|vbaData\.xml|Basic/|Scripts/)", re.IGNORECASE)
_MACRO_TYPES = ("macroEnabled", "vbaProject", "ms-office.activeX")
MACROS = "document contains macros; save it without macros (.docx or .odt)"
OUTSIDE = "document refers to content outside itself (an external link or image); embed it or remove it"
_FIELDS = re.compile(r"\b(INCLUDETEXT|INCLUDEPICTURE|INCLUDE|LINK|DDE|DDEAUTO|IMPORT)\b")
# The first bytes of an XML part: its first tag, or a byte-order mark (UTF-8, UTF-16).
_XML_STARTS = (b"<", b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")
# A part imported into the document as it opens (altChunk: HTML, RTF, another document), read by
# rules of its own format that this check does not apply: refused.
IMPORTED = "document imports another document into itself (altChunk); paste its content in instead"
_OUTSIDE_HREF = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:|^(/|\.\.|\\)")  # a scheme, an absolute or a parent path

# Elements and attributes by namespace and local name, as LibreOffice reads them: the prefix is
# the file's own choice, so a check by prefix (`w:instrText`) misses the same element under `x:`.
_WORD = ("http://schemas.openxmlformats.org/wordprocessingml/2006/main",
         "http://purl.oclc.org/ooxml/wordprocessingml/main")  # transitional and strict
_XLINK_HREF = "http://www.w3.org/1999/xlink href"
_ODF = "urn:oasis:names:tc:opendocument:xmlns:"
_ODF_LIVE = {_ODF + name for name in ("office:1.0 script", "script:1.0 event-listener", "office:1.0 dde-source",
                                      "text:1.0 dde-connection-decl", "table:1.0 dde-link")}
_ODF_HYPERLINKS = {_ODF + "text:1.0 a", _ODF + "drawing:1.0 a"}
_INSTRUCTION_TEXT = {f"{ns} instrText" for ns in _WORD}
_INSTRUCTION_ATTRIBUTES = {f"{ns} instr" for ns in _WORD}
_FIELD_CHARACTERS = {f"{ns} fldChar" for ns in _WORD}
_FIELD_CHARACTER_TYPES = {f"{ns} fldCharType" for ns in _WORD}
_WATCHED = _INSTRUCTION_TEXT | _FIELD_CHARACTERS | _ODF_LIVE
_WATCHED_ATTRIBUTES = _INSTRUCTION_ATTRIBUTES | {_XLINK_HREF}


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
                    raise Refused(MACROS)
                body = _read(archive, info, budget)
                if _is_xml(info.filename, body):
                    _check_xml(info.filename, body, budget)
    except Refused:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError, NotImplementedError):
        raise Refused("document is damaged and cannot be read") from None


def _is_xml(name: str, body: bytes) -> bool:
    """A part to read as XML: by its name, or by its first bytes whatever it is named (the document
    part renamed `word/document.dat` is still read by LibreOffice, through the package's relationships)."""
    return name.lower().endswith((".xml", ".rels")) or body[:256].lstrip().startswith(_XML_STARTS)


def _check_xml(name: str, body: bytes, budget: Budget) -> None:
    """Read the part with an XML parser, so that its encoding (UTF-16 too), its prefixes and its
    character references (`&#69;xternal`) mean what they mean to LibreOffice."""
    if not body.strip():
        return
    scan = _PartScan()
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.StartDoctypeDeclHandler = scan.dtd  # refused before any entity could be expanded
    parser.EntityDeclHandler = scan.dtd
    if name.endswith(".rels"):
        parser.StartElementHandler = scan.relationship
    elif name == "[Content_Types].xml":
        parser.StartElementHandler = scan.content_type
    else:
        parser.StartElementHandler = scan.start
        parser.EndElementHandler = scan.end
        parser.CharacterDataHandler = scan.text
        parser.buffer_text = True
    try:
        for offset in range(0, len(body), _CHUNK):
            budget.check()
            parser.Parse(body[offset:offset + _CHUNK], offset + _CHUNK >= len(body))
    except expat.ExpatError:
        raise Refused("document is damaged and cannot be read") from None
    scan.finish()


class _PartScan:
    """What one XML part holds that LibreOffice would act on (the handlers run for every
    element of every part: each does as little as it can)."""

    def __init__(self) -> None:
        # One instruction per field being read (fields nest); Word splits an instruction over
        # runs, so its pieces are read joined, and each field's on its own.
        self.fields: list[list[str]] = [[]]
        self.in_instruction = 0

    def dtd(self, *_: object) -> None:
        raise Refused("document contains an XML DTD (entity definitions); refused")

    def relationship(self, tag: str, attributes: dict[str, str]) -> None:
        if not tag.endswith("Relationship"):
            return
        kind = attributes.get("Type", "").rstrip()
        if attributes.get("TargetMode", "").strip().lower() == "external" and not kind.endswith("/hyperlink"):
            raise Refused(OUTSIDE)
        if kind.endswith("/aFChunk"):
            raise Refused(IMPORTED)

    def content_type(self, tag: str, attributes: dict[str, str]) -> None:
        if any(t in value for value in attributes.values() for t in _MACRO_TYPES):
            raise Refused(MACROS)

    def start(self, tag: str, attributes: dict[str, str]) -> None:
        if tag in _WATCHED:
            if tag in _INSTRUCTION_TEXT:
                self.in_instruction += 1
            elif tag in _FIELD_CHARACTERS:
                self._field_character(attributes)
            else:
                raise Refused("document contains scripts or live links (DDE); refused")
        if attributes and not _WATCHED_ATTRIBUTES.isdisjoint(attributes):
            for key in _INSTRUCTION_ATTRIBUTES & attributes.keys():  # a simple field: its whole instruction
                _refuse_reading_fields(attributes[key])
            href = attributes.get(_XLINK_HREF)
            if href is not None and tag not in _ODF_HYPERLINKS and _OUTSIDE_HREF.match(href.strip()):
                raise Refused(OUTSIDE)  # a hyperlink fetches nothing when the document is converted

    def _field_character(self, attributes: dict[str, str]) -> None:
        kind = next((attributes[key] for key in _FIELD_CHARACTER_TYPES & attributes.keys()), "")
        if kind == "begin":
            self.fields.append([])
        elif kind == "end" and len(self.fields) > 1:
            _refuse_reading_fields("".join(self.fields.pop()))

    def end(self, tag: str) -> None:
        if tag in _INSTRUCTION_TEXT:
            self.in_instruction -= 1

    def text(self, data: str) -> None:
        if self.in_instruction:
            self.fields[-1].append(data)

    def finish(self) -> None:
        for pieces in self.fields:  # fields left open, and instructions outside any field
            _refuse_reading_fields("".join(pieces))


def _refuse_reading_fields(instruction: str) -> None:
    field = _FIELDS.search(instruction.upper())
    if field:
        name = field.group(1)
        article = "an" if name[0] in "AEIOU" else "a"  # "an INCLUDETEXT field", "a DDE field"
        raise Refused(f"document has {article} {name} field, which reads other files; remove the field")

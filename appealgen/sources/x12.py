"""X12 reader: delimiters from the ISA segment, envelopes checked, segments numbered.

Structural faults raise one X12Error naming the file and the segment number. A bare ST...SE
transaction set (no ISA) is read with the default delimiters and a warning; such a fragment
is often cut from a larger file by hand, so its SE count is checked as a warning only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from appealgen.errors import InputError

DEFAULT_ELEMENT, DEFAULT_COMPONENT, DEFAULT_REPETITION, DEFAULT_SEGMENT = "*", ":", "^", "~"
ISA_ELEMENTS = 16


class X12Error(InputError):
    """A structural fault: `FILE: segment N (ID): message`."""


def shown(value: str, limit: int = 12) -> str:
    """A value from the file as a message quotes it: one printable line, at most `limit` characters."""
    text = value if value.isprintable() else repr(value)[1:-1]
    return text if len(text) <= limit else text[:limit] + "..."


@dataclass(frozen=True)
class Delimiters:
    element: str = DEFAULT_ELEMENT
    component: str = DEFAULT_COMPONENT
    repetition: str | None = DEFAULT_REPETITION
    segment: str = DEFAULT_SEGMENT


@dataclass(frozen=True, slots=True)
class Segment:
    id: str
    elements: list[str]  # elements[0] is the segment id, so X12's 1-based numbers index directly
    number: int  # position in the file, from 1

    def get(self, index: int) -> str:
        return self.elements[index].strip() if index < len(self.elements) else ""

    def where(self) -> str:
        return f"segment {self.number} ({shown(self.id)})"


@dataclass
class Transaction:
    """One ST...SE set with the segments between (ST and SE excluded)."""

    control: str
    segments: list[Segment]
    start: int  # segment number of ST


@dataclass
class Interchange:
    source: Path
    delimiters: Delimiters
    transactions: list[Transaction] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _isa_delimiters(text: str, source: Path) -> Delimiters:
    if len(text) < 4:
        raise X12Error(source, "segment 1 (ISA)", "ISA segment is incomplete: truncated, or not X12")
    element = text[3]
    positions = [i for i, ch in enumerate(text[:200]) if ch == element]
    if len(positions) < ISA_ELEMENTS or len(text) < positions[ISA_ELEMENTS - 1] + 3:
        raise X12Error(source, "segment 1 (ISA)", "ISA segment is incomplete: truncated, or not X12")
    last = positions[ISA_ELEMENTS - 1]
    component, terminator = text[last + 1], text[last + 2]
    repetition = text[positions[10] + 1 : positions[11]].strip()  # ISA11 (5010: repetition separator)
    if terminator.isalnum() or terminator == element:
        raise X12Error(source, "segment 1 (ISA)", "no segment terminator after ISA16")
    if component in (element, terminator) or component.isalnum():
        raise X12Error(source, "segment 1 (ISA)", "ISA16 (component separator) is not a usable separator")
    usable = len(repetition) == 1 and not repetition.isalnum() and repetition not in (element, component)
    return Delimiters(element, component, repetition if usable else None, terminator)


def split_segments(text: str, delimiters: Delimiters) -> list[Segment]:
    segments: list[Segment] = []
    pieces = text.split(delimiters.segment)
    for raw in pieces:
        body = raw.strip("\r\n")
        if not body.strip():
            continue
        elements = body.split(delimiters.element)
        segments.append(Segment(elements[0].strip(), elements, len(segments) + 1))
    if pieces and pieces[-1].strip("\r\n \t\x1a"):
        where = segments[-1].where() if segments else "segment 1"
        raise X12Error("", where, "file ends without a segment terminator; it looks truncated")
    return segments


def read_x12(path: Path) -> Interchange:
    from appealgen.preflight import LIMITS, Refused, check_text, read_regular

    try:
        raw = read_regular(path, LIMITS.x12_bytes)
        check_text(raw)
    except Refused as refused:
        raise InputError(path, None, str(refused)) from None
    text = raw.removeprefix(b"\xef\xbb\xbf").decode("latin-1").lstrip("\r\n\t ")  # UTF-8 BOM
    return parse_x12(text, path)


def parse_x12(text: str, source: Path) -> Interchange:
    if not text:
        raise X12Error(source, None, "file is empty")
    if text.startswith("ISA"):
        delimiters = _isa_delimiters(text, source)
        bare = False
    elif text.startswith("ST" + DEFAULT_ELEMENT):
        delimiters, bare = Delimiters(), True
    else:
        raise X12Error(source, "segment 1", "not an X12 file: it must start with ISA (or a bare ST)")
    try:
        segments = split_segments(text, delimiters)
    except X12Error as exc:
        raise X12Error(source, exc.field, exc.message) from None
    result = Interchange(source, delimiters)
    if bare:
        result.warnings.append(
            f"{source}: no ISA envelope; read as a bare transaction set with default delimiters")
        _transactions(segments, 0, len(segments), result, strict=False)
    else:
        _interchanges(segments, result)
    return result


def _fail(source: Path, segment: Segment, message: str) -> X12Error:
    return X12Error(source, segment.where(), message)


def _interchanges(segments: list[Segment], result: Interchange) -> None:
    i = 0
    while i < len(segments):
        isa = segments[i]
        if isa.id != "ISA":
            raise _fail(result.source, isa, "expected ISA (a new interchange) after IEA")
        end = _find(segments, i + 1, "IEA", {"ISA"})
        if end is None:
            raise _fail(result.source, segments[-1], "missing IEA: the interchange is not closed (truncated?)")
        groups = _groups(segments, i + 1, end, result)
        iea = segments[end]
        if iea.get(1) != str(groups):
            raise _fail(result.source, iea, f"IEA01 says {shown(iea.get(1))} groups; the interchange has {groups}")
        if iea.get(2) != isa.get(13):
            result.warnings.append(f"{result.source}: {iea.where()}: IEA02 does not match ISA13")
        i = end + 1


def _find(segments: list[Segment], start: int, target: str, stop: set[str]) -> int | None:
    for j in range(start, len(segments)):
        if segments[j].id == target:
            return j
        if segments[j].id in stop:
            return None
    return None


def _groups(segments: list[Segment], start: int, end: int, result: Interchange) -> int:
    count, i = 0, start
    while i < end:
        gs = segments[i]
        if gs.id != "GS":
            raise _fail(result.source, gs, "expected GS (a functional group) inside the interchange")
        ge = _find(segments, i + 1, "GE", {"GS", "IEA"})
        if ge is None or ge > end:
            raise _fail(result.source, gs, "missing GE: the functional group is not closed")
        sets = _transactions(segments, i + 1, ge, result, strict=True)
        if segments[ge].get(1) != str(sets):
            message = f"GE01 says {shown(segments[ge].get(1))} transaction sets; the group has {sets}"
            raise _fail(result.source, segments[ge], message)
        count, i = count + 1, ge + 1
    return count


def _transactions(
    segments: list[Segment], start: int, end: int, result: Interchange, strict: bool
) -> int:
    count, i = 0, start
    while i < end:
        st = segments[i]
        if st.id != "ST":
            raise _fail(result.source, st, "segment outside a transaction set (expected ST)")
        se = _find(segments, i + 1, "SE", {"ST", "GE", "IEA"})
        if se is None or se >= end + (0 if strict else 1):
            raise _fail(result.source, st, "missing SE: the transaction set is not closed (truncated?)")
        trailer, size = segments[se], se - i + 1
        if trailer.get(1) != str(size):
            message = f"SE01 says {shown(trailer.get(1))} segments; the transaction set has {size}"
            if strict:
                raise _fail(result.source, trailer, message)
            result.warnings.append(f"{result.source}: {trailer.where()}: {message}")
        if trailer.get(2) != st.get(2):
            result.warnings.append(f"{result.source}: {trailer.where()}: SE02 does not match ST02")
        result.transactions.append(Transaction(st.get(2), segments[i + 1 : se], st.number))
        count, i = count + 1, se + 1
    return count

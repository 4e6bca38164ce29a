"""X12 reader: delimiters from the ISA segment, envelopes checked, segments numbered.

A file that cannot be read at all (empty, not X12, an unusable ISA) raises one X12Error. A
fault that loses data (a transaction set never closed by SE, a segment outside any set, a cut
last segment) is kept in `faults` (`FILE: segment N (ID): message; what was skipped`) and
everything else is read. An envelope fault that loses nothing (a wrong SE, GE or IEA count, a
missing GE or IEA) is a warning: each claim is still read and checked on its own. A bare
ST...SE transaction set (no ISA) is read with the default delimiters and a warning.
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
    faults: list[X12Error] = field(default_factory=list)  # structural faults; what they cost is in the message

    def fault(self, segment: Segment, message: str) -> None:
        """Something was not read: the message says what."""
        self.faults.append(X12Error(self.source, segment.where(), message))

    def warn(self, segment: Segment, message: str) -> None:
        """An envelope fault that costs nothing: every transaction set was still read."""
        self.warnings.append(f"{self.source}: {segment.where()}: {message}")


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


def split_segments(text: str, delimiters: Delimiters) -> tuple[list[Segment], Segment | None]:
    """The complete segments, and the piece after the last terminator when the file ends
    without one (it looks truncated)."""
    segments: list[Segment] = []
    for raw in text.split(delimiters.segment):
        body = raw.strip("\r\n")
        if not body.strip():
            continue
        elements = body.split(delimiters.element)
        segments.append(Segment(elements[0].strip(), elements, len(segments) + 1))
    if text.split(delimiters.segment)[-1].strip("\r\n \t\x1a") and segments:
        return segments[:-1], segments[-1]
    return segments, None


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
    segments, cut = split_segments(text, delimiters)
    if cut is not None and not segments:
        raise X12Error(source, cut.where(), "file ends without a segment terminator; it looks truncated")
    result = Interchange(source, delimiters)
    if cut is not None:
        result.fault(cut, "file ends without a segment terminator; it looks truncated; this segment was not read")
    if bare:
        result.warnings.append(
            f"{source}: no ISA envelope; read as a bare transaction set with default delimiters")
    _Envelopes(result, bare).walk(segments)
    if not result.transactions and not result.faults:  # nothing lost, nothing read: cut before its first set
        raise X12Error(source, segments[-1].where(), "no transaction set (ST...SE) in the file; it looks truncated")
    return result


class _Envelopes:
    """Walks ISA/GS/ST...SE/GE/IEA. A transaction set is kept when an SE closes it; a wrong
    count, a missing GE or IEA is a warning and costs nothing."""

    def __init__(self, result: Interchange, bare: bool) -> None:
        self.result = result
        self.bare = bare
        self.isa: Segment | None = None
        self.gs: Segment | None = None
        self.st: int | None = None  # index of the open ST
        self.groups = 0
        self.sets = 0
        self.segments: list[Segment] = []

    def walk(self, segments: list[Segment]) -> None:
        self.segments = segments
        handlers = {"ISA": self.isa_, "IEA": self.iea, "GS": self.gs_, "GE": self.ge, "ST": self.st_,
                    "SE": self.se}
        for index, segment in enumerate(segments):
            handler = handlers.get(segment.id)
            if handler is not None:
                handler(index, segment)
            elif self.st is None:
                self.result.fault(segment, "segment outside a transaction set (expected ST); segment skipped")
        end = segments[-1] if segments else None
        self.close_set()
        self.close_group()
        if self.isa is not None and end is not None:
            self.result.warn(end, "missing IEA: the interchange is not closed (truncated?)")

    def close_set(self) -> None:
        if self.st is not None:
            st = self.segments[self.st]
            self.result.fault(st, f"missing SE: the transaction set is not closed (truncated?); transaction set "
                              f"{shown(st.get(2))} skipped")
            self.st, self.sets = None, self.sets + 1  # it still counts in GE01

    def close_group(self) -> None:
        if self.gs is not None:
            self.result.warn(self.gs, "missing GE: the functional group is not closed")
            self.gs, self.groups = None, self.groups + 1  # it still counts in IEA01

    def isa_(self, index: int, segment: Segment) -> None:
        self.close_set()
        self.close_group()
        if self.isa is not None:
            self.result.warn(self.segments[index - 1], "missing IEA: the interchange is not closed (truncated?)")
        self.isa, self.groups = segment, 0

    def iea(self, index: int, segment: Segment) -> None:
        self.close_set()
        self.close_group()
        if self.isa is None:
            self.result.warn(segment, "IEA without an ISA: segments out of order")
            return
        if segment.get(1) != str(self.groups):
            self.result.warn(segment, f"IEA01 says {shown(segment.get(1))} groups; the interchange has {self.groups}")
        if segment.get(2) != self.isa.get(13):
            self.result.warn(segment, "IEA02 does not match ISA13")
        self.isa = None

    def gs_(self, index: int, segment: Segment) -> None:
        self.close_set()
        self.close_group()
        if self.isa is None:
            self.result.warn(segment, "expected ISA (a new interchange) after IEA")
        self.gs, self.sets = segment, 0

    def ge(self, index: int, segment: Segment) -> None:
        self.close_set()
        if self.gs is None:
            self.result.warn(segment, "GE without a GS: segments out of order")
            return
        if segment.get(1) != str(self.sets):
            self.result.warn(segment, f"GE01 says {shown(segment.get(1))} transaction sets; the group has {self.sets}")
        self.gs, self.groups = None, self.groups + 1

    def st_(self, index: int, segment: Segment) -> None:
        self.close_set()
        if self.gs is None and not self.bare:
            self.result.warn(segment, "transaction set outside a functional group (expected GS)")
        self.st = index

    def se(self, index: int, segment: Segment) -> None:
        if self.st is None:
            self.result.warn(segment, "SE without an ST: segments out of order")
            return
        st, start = self.segments[self.st], self.st
        self.st, self.sets = None, self.sets + 1
        size = index - start + 1
        if segment.get(2) != st.get(2):
            self.result.warn(segment, "SE02 does not match ST02")
        if segment.get(1) != str(size):  # its claims are still read, each checked on its own
            self.result.warn(segment, f"SE01 says {shown(segment.get(1))} segments; the transaction set has {size}")
        self.result.transactions.append(Transaction(st.get(2), self.segments[start + 1 : index], st.number))

"""Bounded checks of an untrusted PDF, before any library decodes it for real.

Two passes. The first reads the raw bytes: every deflated stream is inflated into nothing,
counting, and stopped at its limit (pypdf decodes cross-reference and object streams as soon
as it opens a file, so a bomb must be caught before). The second walks the page tree and each
page's resources through pypdf's lazy objects with explicit limits: cycles, depth, page and
object counts, decompressed content per page, image pixels.
"""

from __future__ import annotations

import re
import zlib
from typing import Any

from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, StreamObject

from appealgen.preflight import Budget, Limits, Refused, megabytes

_STREAM = re.compile(rb"stream\r?\n")
_DEEP = re.compile(rb"(?:\[\s*){64}|(?:<<\s*/[^\s/<>\[\]()]+\s*){64}")
_CHUNK = 1 << 16
# Filters other than Flate that can grow data, with their worst expansion per input byte.
_GROWTH = {"/LZWDecode": 4096, "/LZW": 4096, "/RunLengthDecode": 128, "/RL": 128}
_IMAGE_FILTERS = {"/DCTDecode", "/DCT", "/CCITTFaxDecode", "/CCF", "/JBIG2Decode", "/JPXDecode"}


def inflated_size(data: bytes | memoryview, start: int, cap: int, wbits: int = zlib.MAX_WBITS) -> int:
    """How many bytes the deflate stream at `start` inflates to, stopping once past `cap`.
    Nothing is kept: output is counted and dropped. Bad data counts what came before it."""
    inflater = zlib.decompressobj(wbits)
    total, position = 0, start
    view = memoryview(data)
    try:
        while not inflater.eof and position < len(view):
            pending = bytes(view[position:position + _CHUNK])
            position += len(pending)
            while pending and total <= cap and not inflater.eof:
                produced = len(inflater.decompress(pending, _CHUNK))
                if not produced and len(inflater.unconsumed_tail) == len(pending):
                    break  # no progress: stop rather than spin
                total += produced
                pending = inflater.unconsumed_tail
            if total > cap:
                break
    except zlib.error:
        pass
    return total


def _zlib_header(data: bytes, at: int) -> bool:
    if at + 2 > len(data):
        return False
    cmf, flg = data[at], data[at + 1]
    return cmf & 0x0F == 8 and (cmf * 256 + flg) % 31 == 0


def check_raw(data: bytes, limits: Limits, budget: Budget) -> None:
    """Refuse deep nesting and deflate bombs anywhere in the file, parsed or not."""
    total, outside = 0, 0  # `outside`: where the bytes between streams resume
    for match in _STREAM.finditer(data):
        budget.check()
        start = match.end()
        if start < outside:  # "stream" inside a stream's own data
            continue
        _check_nesting(data, outside, match.start(), limits)
        end = data.find(b"endstream", start)
        outside = len(data) if end < 0 else end + len(b"endstream")
        wbits = zlib.MAX_WBITS if _zlib_header(data, start) else -zlib.MAX_WBITS  # readers also accept raw deflate
        size = inflated_size(data, start, limits.stream_bytes, wbits)
        if size > limits.stream_bytes:
            raise Refused(f"has a stream that decompresses to more than {megabytes(limits.stream_bytes)}")
        total += size
        if total > limits.streams_total:
            raise Refused(f"decompresses to more than {megabytes(limits.streams_total)} in all")
    _check_nesting(data, outside, len(data), limits)


def _check_nesting(data: bytes, start: int, end: int, limits: Limits) -> None:
    """Objects nested deeper than any real file (stream data, which may hold anything, is skipped)."""
    if start < end and _DEEP.search(data, start, end):
        raise Refused(f"nests objects more than {limits.depth} deep")


def _resolve(obj: Any) -> Any:
    return obj.get_object() if isinstance(obj, IndirectObject) else obj


def _key(obj: Any) -> int | None:
    return obj.idnum if isinstance(obj, IndirectObject) else None


class PdfWalk:
    """One pass over the page tree and page resources under `limits`."""

    def __init__(self, reader: PdfReader, limits: Limits, budget: Budget) -> None:
        self.reader, self.limits, self.budget = reader, limits, budget
        self.stream_sizes: dict[int, int] = {}
        self.content_total = 0
        self.seen_resources: set[int] = set()

    def objects(self) -> int:
        return len(self.reader.xref_objStm) + sum(len(v) for v in self.reader.xref.values())

    def object_streams(self) -> None:
        """Object streams are decoded whole when one of their objects is read; in an encrypted
        file the first pass saw only ciphertext, so measure them here, before any is read."""
        for number in {entry[0] for entry in self.reader.xref_objStm.values()}:
            self.budget.check()
            if self.stream_size(IndirectObject(number, 0, self.reader)) > self.limits.stream_bytes:
                raise Refused(f"has a stream that decompresses to more than {megabytes(self.limits.stream_bytes)}")

    def pages(self) -> int:
        """Count the pages (refusing cycles, depth and too many pages) and check each one."""
        if self.objects() > self.limits.pdf_objects:
            raise Refused(f"has more than {self.limits.pdf_objects:,} objects")
        root = _resolve(self.reader.trailer.get("/Root"))
        if not isinstance(root, DictionaryObject):
            raise Refused("has no document catalog")
        stack: list[tuple[Any, int]] = [(root.get("/Pages"), 0)]
        nodes: set[int] = set()
        count = 0
        while stack:
            self.budget.check()
            ref, depth = stack.pop()
            key, node = _key(ref), _resolve(ref)
            if key is not None:
                if key in nodes:
                    raise Refused("its page tree loops back on itself")
                nodes.add(key)
            if depth > self.limits.depth:
                raise Refused(f"its page tree is more than {self.limits.depth} levels deep")
            if not isinstance(node, DictionaryObject):
                raise Refused("its page tree is damaged")
            kids = _resolve(node.get("/Kids"))
            if node.get("/Type") == "/Pages" or isinstance(kids, ArrayObject):
                if not isinstance(kids, ArrayObject):
                    raise Refused("its page tree is damaged")
                stack.extend((kid, depth + 1) for kid in reversed(kids))
                continue
            count += 1
            if count > self.limits.pages:
                raise Refused(f"has more than {self.limits.pages:,} pages")
            self.page(node)
        return count

    def page(self, page: DictionaryObject) -> None:
        size = sum(self.stream_size(c) for c in self._contents(page))
        if size > self.limits.page_content_bytes:
            raise Refused(f"has a page whose content is larger than {megabytes(self.limits.page_content_bytes)}")
        self.content_total += size
        if self.content_total > self.limits.content_total:
            raise Refused(f"has more than {megabytes(self.limits.content_total)} of page content in all")
        self.resources(page.get("/Resources"), 0)

    def _contents(self, page: DictionaryObject) -> list[Any]:
        contents = page.get("/Contents")
        resolved = _resolve(contents)
        if isinstance(resolved, ArrayObject):
            return list(resolved)
        return [] if contents is None else [contents]

    def resources(self, ref: Any, depth: int) -> None:
        """Image sizes and form content, through nested forms, each resource dictionary once."""
        key = _key(ref)
        if key is not None:
            if key in self.seen_resources:
                return
            self.seen_resources.add(key)
        if depth > self.limits.depth:
            raise Refused(f"nests forms more than {self.limits.depth} deep")
        resources = _resolve(ref)
        if not isinstance(resources, DictionaryObject):
            return
        xobjects = _resolve(resources.get("/XObject"))
        if not isinstance(xobjects, DictionaryObject):
            return
        for value in xobjects.values():
            self.budget.check()
            xobject = _resolve(value)
            if not isinstance(xobject, StreamObject):
                continue
            if xobject.get("/Subtype") == "/Image":
                self.image(xobject)
            elif self.stream_size(value) > self.limits.page_content_bytes:
                raise Refused(f"has a form larger than {megabytes(self.limits.page_content_bytes)}")
            else:
                self.resources(xobject.get("/Resources"), depth + 1)

    def image(self, image: StreamObject) -> None:
        try:
            width, height = int(_resolve(image.get("/Width", 0))), int(_resolve(image.get("/Height", 0)))
        except (TypeError, ValueError):
            raise Refused("has an image without a usable size") from None
        if width < 0 or height < 0 or width * height > self.limits.pixels:
            raise Refused(f"has an image larger than {self.limits.pixels:,} pixels")

    def stream_size(self, ref: Any) -> int:
        """A stream's decompressed size, at most the per-stream limit + 1; each stream once."""
        key = _key(ref)
        if key is not None and key in self.stream_sizes:
            return self.stream_sizes[key]
        stream = _resolve(ref)
        size = decoded_size(stream, self.limits.stream_bytes) if isinstance(stream, StreamObject) else 0
        if key is not None:
            self.stream_sizes[key] = size
        return size


def decoded_size(stream: StreamObject, cap: int) -> int:
    """An upper bound of a stream's decoded size (exact for deflate), stopping past `cap`."""
    raw = stream._data if isinstance(stream._data, bytes) else bytes(stream._data or b"")
    filters = _resolve(stream.get("/Filter"))
    names = [str(_resolve(f)) for f in filters] if isinstance(filters, ArrayObject) else \
        [str(filters)] if filters is not None else []
    if not names:
        return len(raw)
    first = names[0]
    if first in ("/FlateDecode", "/Fl"):
        wbits = zlib.MAX_WBITS if _zlib_header(raw, 0) else -zlib.MAX_WBITS
        size = inflated_size(raw, 0, cap, wbits)
    elif first in _IMAGE_FILTERS:
        size = len(raw)
    else:
        size = len(raw) * _GROWTH.get(first, 1)
    for name in names[1:]:
        size *= _GROWTH.get(name, 1)
    return min(size, cap + 1)

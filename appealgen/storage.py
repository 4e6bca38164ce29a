"""Inputs and outputs on storage that every cluster worker sees.

A shared file system path works as it is. An fsspec URL (`s3://bucket/claims`,
`file:///srv/packets`, `memory://...`) is *mounted*: each process that builds or checks keeps a
private local folder standing for it, fetches into it the files a claim needs, and publishes
what a build wrote there back to the URL, each file moved into place whole. The pipeline itself
only ever reads and writes local paths; messages and the resume hash name the URL.

fsspec comes with the `cluster` extra and is imported only when a URL is used."""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from appealgen.errors import AppealgenError, InputError, MissingToolError
from appealgen.output import private_dir
from appealgen.sources.items import Item

if TYPE_CHECKING:
    from fsspec import AbstractFileSystem

    from appealgen.executors.base import Work
    from appealgen.outcome import Outcome
    from appealgen.settings import Settings
    from appealgen.toolkit import Toolkit

URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]+://")
INSTALL = "pip install 'appealgen[cluster]'"
RENAMING = {"file", "local"}  # a temp name then a rename is atomic here; object stores write whole objects
PACKET_FILES = ("letter.docx", "packet.pdf", "packet.json")  # packet.json last: a rerun trusts only a folder with one
INPUT_SUFFIXES = {".yaml", ".yml", ".json", ".jsonl", ".csv", ".835", ".x12", ".edi", ".era"}
# Threads of one process (a cluster worker's) fetch a remote file one at a time: a shared
# attachment is then fetched once per folder, and fsspec's memory file system, which hands every
# reader the same file object, is not read by two threads at once. Striped: bounded, and two
# files rarely share a lock.
FETCHING = tuple(threading.Lock() for _ in range(64))


def is_url(text: str | Path) -> bool:
    return isinstance(text, str) and URL.match(text) is not None


@dataclass(frozen=True)
class Mount:
    """A local folder standing for a storage URL in this process."""

    url: str
    local: Path

    @classmethod
    def fresh(cls, url: str) -> Mount:
        return cls(url.rstrip("/"), Path(tempfile.mkdtemp(prefix="appealgen-storage-")))

    def relative(self, path: Path) -> str | None:
        """`path` relative to this mount as a URL path, or None when it is outside."""
        try:
            return path.relative_to(self.local).as_posix()
        except ValueError:
            return None

    def url_of(self, path: Path) -> str | None:
        relative = self.relative(path)
        if relative is None:
            return None
        return self.url if relative == "." else f"{self.url}/{relative}"


def filesystem(url: str) -> tuple[AbstractFileSystem, str]:
    """The fsspec file system behind `url` and the path on it."""
    try:
        from fsspec.core import url_to_fs
    except ImportError:
        raise MissingToolError("fsspec (storage URLs)", INSTALL) from None
    try:
        fs, path = url_to_fs(url)
    except (ImportError, ValueError) as error:  # an unknown scheme, or its driver (s3fs, gcsfs) not installed
        raise InputError(url, None, f"cannot open this storage URL: {error}") from None
    return fs, str(path)


def _mount_of(settings: Settings, path: Path) -> tuple[Mount, str] | None:
    for mount in settings.mounts:
        relative = mount.relative(path)
        if relative is not None:
            return mount, relative
    return None


def label(settings: Settings, path: Path | str) -> str:
    """What to call a path in messages and hashes: its URL when it stands for one."""
    text = str(path)
    for mount in settings.mounts:
        local = str(mount.local)
        if text == local or text.startswith(local + os.sep):
            return mount.url + text[len(local):].replace(os.sep, "/")
    return text


def _remote(mount: Mount, relative: str) -> tuple[AbstractFileSystem, str]:
    return filesystem(mount.url if relative == "." else f"{mount.url}/{relative}")


def download(fs: AbstractFileSystem, remote: str, path: Path) -> None:
    private_dir(path.parent)
    part = path.with_name(f".{path.name}.{uuid.uuid4().hex}.part")
    try:
        fs.get_file(remote, str(part))
        os.chmod(part, 0o600)
        os.replace(part, path)
    finally:
        part.unlink(missing_ok=True)


def fetch(settings: Settings, path: Path) -> None:
    """Make a file that stands for a URL present here (no-op for plain paths and files already
    fetched in this run: each run fetches into a fresh folder, so nothing is stale)."""
    found = _mount_of(settings, path)
    if found is None or path.is_file():
        return
    mount, relative = found
    fs, remote = _remote(mount, relative)
    try:
        with FETCHING[hash(remote) % len(FETCHING)]:
            if not path.is_file():  # another thread fetched it meanwhile
                download(fs, remote, path)
    except FileNotFoundError:
        pass  # the build names the missing attachment as for any path
    except OSError as error:
        raise InputError(mount.url_of(path), None, f"could not be read: {type(error).__name__}") from None


def fetch_attachments(settings: Settings, item: Item) -> None:
    """Fetch the claim's attachments that live on a URL; a path that would leave its root is
    left alone (the build refuses it, as for any path)."""
    root = settings.attachments_root or item.base
    for attachment in item.claim.attachments:
        relative = PurePosixPath(attachment.path)
        if not relative.is_absolute() and ".." not in relative.parts:
            fetch(settings, root / relative)


def read(settings: Settings, path: Path) -> bytes | None:
    """An output file's bytes (from its URL when it stands for one), None when absent."""
    found = _mount_of(settings, path)
    try:
        if found is None:
            return path.read_bytes()
        fs, remote = _remote(*found)
        return bytes(fs.cat_file(remote))
    except OSError:
        return None


def children(settings: Settings, folder: Path) -> set[str]:
    """The names directly inside a folder (at its URL when it stands for one: one listing);
    none when it does not exist yet."""
    found = _mount_of(settings, folder)
    try:
        if found is None:
            return {path.name for path in folder.iterdir()} if folder.is_dir() else set()
        fs, remote = _remote(*found)
        return {PurePosixPath(str(entry)).name for entry in fs.ls(remote, detail=False)}
    except OSError:
        return set()


def stamp(settings: Settings, path: Path) -> tuple[object, ...] | None:
    """Something that changes whenever a file is written again (None when absent)."""
    found = _mount_of(settings, path)
    try:
        if found is None:
            stat = path.stat()
            return stat.st_size, stat.st_mtime_ns, stat.st_ino
        fs, remote = _remote(*found)
        info: dict[str, Any] = fs.info(remote)
    except OSError:
        return None
    return tuple(str(info.get(key)) for key in ("size", "mtime", "LastModified", "ETag", "created", "generation"))


def _put(fs: AbstractFileSystem, local: Path, remote: str) -> None:
    """Copy one file to its URL so that no reader ever sees half of it."""
    parent = remote.rsplit("/", 1)[0]
    protocols = {fs.protocol} if isinstance(fs.protocol, str) else set(fs.protocol)
    if not protocols & RENAMING:
        fs.put_file(str(local), remote)  # an object store: the object appears whole or not at all
        return
    private_dir(Path(parent))
    part = f"{parent}/.{remote.rsplit('/', 1)[1]}.{uuid.uuid4().hex}.part"
    try:
        fs.put_file(str(local), part)
        os.chmod(part, 0o600)
        os.replace(part, remote)
    finally:
        Path(part).unlink(missing_ok=True)


def publish(settings: Settings, paths: list[Path]) -> None:
    """Move files written under a mounted output folder to their URL; a listed file that is
    absent here is removed there (a stale letter.docx from an earlier build)."""
    for path in paths:
        found = _mount_of(settings, path)
        if found is None:
            continue
        fs, remote = _remote(*found)
        try:
            if path.is_file():
                _put(fs, path, remote)
                path.unlink()
            elif fs.exists(remote):
                fs.rm_file(remote)
        except OSError as error:
            raise InputError(found[0].url_of(path), None, f"could not be written: {type(error).__name__}") from None


def publish_packet(settings: Settings, folder: Path) -> None:
    publish(settings, [folder / name for name in PACKET_FILES])


def stage_inputs(inputs: list[str]) -> tuple[list[Path], list[Mount]]:
    """Local paths for the inputs; each URL is mounted and its claim files (or the one file it
    names) are fetched. Attachments are fetched later, only where a claim needs them."""
    paths: list[Path] = []
    mounts: list[Mount] = []
    for text in inputs:
        if not is_url(text):
            paths.append(Path(text))
            continue
        fs, remote = filesystem(text)
        if fs.isdir(remote):
            mount = Mount.fresh(text)
            for found in sorted(fs.find(remote)):
                relative = PurePosixPath(found).relative_to(PurePosixPath(remote))
                if relative.suffix.lower() in INPUT_SUFFIXES and not relative.name.startswith("."):
                    download(fs, found, mount.local / relative)
            paths.append(mount.local)
        elif fs.isfile(remote):
            mount = Mount.fresh(text.rstrip("/").rsplit("/", 1)[0])
            name = PurePosixPath(remote).name
            download(fs, remote, mount.local / name)
            paths.append(mount.local / name)
        else:
            raise InputError(text, None, "not found")
        mounts.append(mount)
    return paths, mounts


def mount_folder(text: str | None) -> tuple[Path | None, Mount | None]:
    """An output folder or attachments root: a path as it is, or a fresh mount for a URL."""
    if text is None or not is_url(text):
        return (Path(text) if text is not None else None), None
    filesystem(text)  # a bad URL fails now, before any work
    mount = Mount.fresh(text)
    return mount.local, mount


def remount(settings: Settings) -> tuple[Settings, Callable[[Path], Path], Callable[[Path], Path]]:
    """The same settings in another process: each mount gets a fresh local folder there. Also
    returns the functions moving a path from the old folders to the new ones and back."""
    moved = {mount: Mount.fresh(mount.url) for mount in settings.mounts}

    def mover(pairs: list[tuple[Mount, Mount]]) -> Callable[[Path], Path]:
        def move(path: Path) -> Path:
            for old, new in pairs:
                relative = old.relative(path)
                if relative is not None:
                    return new.local / relative
            return path

        return move

    move, back = mover(list(moved.items())), mover([(new, old) for old, new in moved.items()])
    root = settings.attachments_root
    return settings.with_(mounts=tuple(moved.values()), out=move(settings.out),
                          attachments_root=move(root) if root else None), move, back


def move_item(item: Item, move: Callable[[Path], Path]) -> Item:
    return replace(item, source=move(item.source), base=move(item.base))


def unmount(settings: Settings) -> None:
    """Remove this process's local folders (they may hold claim documents)."""
    for mount in settings.mounts:
        shutil.rmtree(mount.local, ignore_errors=True)


def relabel_outcome(settings: Settings, outcome: Outcome) -> Outcome:
    """The outcome with its origin and error named by URL instead of by the local folder
    standing for it."""
    if not settings.mounts:
        return outcome
    error = relabel_error(settings, outcome.error) if outcome.error is not None else None
    return replace(outcome, origin=label(settings, outcome.origin), error=error)


def relabel_error(settings: Settings, error: AppealgenError) -> AppealgenError:
    """The same error with any local mount path among its arguments named by its URL (every
    project error rebuilds from its arguments: that is how it crosses process boundaries)."""

    def named(value: object) -> object:
        if isinstance(value, str):
            return label(settings, value)
        if isinstance(value, list):
            return [named(v) for v in value]
        if isinstance(value, AppealgenError):
            return relabel_error(settings, value)
        return value

    reduced = error.__reduce__()
    assert isinstance(reduced, tuple)
    rebuild, args = reduced[0], reduced[1]
    relabelled: AppealgenError = rebuild(*[named(a) for a in args])
    return relabelled


@dataclass(frozen=True)
class Stored:
    """A work function for a process that shares this machine's mounts (the local pool, this
    process): fetch the claim's attachments from their URL, build, publish the packet."""

    work: Work

    def __call__(self, settings: Settings, tools: Toolkit, item: Item) -> Outcome:
        fetch_attachments(settings, item)
        outcome = self.work(settings, tools, item)
        if outcome.folder is not None:
            publish_packet(settings, outcome.folder)
        return outcome

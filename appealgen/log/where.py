"""Where the tracking log lives: `APPEALGEN_DATABASE_URL`, else `database_url` in the workspace's
appealgen.yaml, else a SQLite file `appealgen-log.sqlite` in the workspace folder (the current
folder when there is no workspace). A PostgreSQL URL shares one log between people and machines;
a SQLite file on a network share is refused (its locking is unreliable there)."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from appealgen.errors import InputError
from appealgen.settings import Settings

URL_ENV = "APPEALGEN_DATABASE_URL"
DEFAULT_FILE = "appealgen-log.sqlite"
POSTGRES_DRIVER = "postgresql+psycopg"
# Filesystems whose byte-range locks SQLite cannot trust (sqlite.org/useovernet.html).
NETWORK_FILESYSTEMS = frozenset({
    "nfs", "nfs4", "cifs", "smb", "smb2", "smb3", "smbfs", "sshfs", "fuse.sshfs", "afs", "ncpfs", "9p",
    "ceph", "fuse.ceph", "glusterfs", "fuse.glusterfs", "davfs", "fuse.davfs2", "fuse.rclone", "fuse.s3fs",
    "lustre", "gpfs", "beegfs", "fuse.gcsfuse",
})


@dataclass(frozen=True)
class Location:
    url: str  # a SQLAlchemy URL
    source: str  # where it was set, for messages: the variable, the settings file, or "default"
    path: Path | None = None  # the SQLite file, when the log is one

    @property
    def shown(self) -> str:
        """The URL without its password, for messages."""
        from sqlalchemy.engine import make_url

        return str(self.path) if self.path else make_url(self.url).render_as_string(hide_password=True)


def locate(settings: Settings, environ: Mapping[str, str] = os.environ) -> Location:
    folder = settings.workspace.user or Path.cwd()
    if environ.get(URL_ENV):
        return _parse(environ[URL_ENV], URL_ENV, Path.cwd())
    if settings.file.database_url:
        settings_file = settings.workspace.settings_file()
        return _parse(settings.file.database_url, str(settings_file or "appealgen.yaml"), folder)
    path = folder / DEFAULT_FILE
    return Location(f"sqlite:///{path}", "default", path)


def in_use(settings: Settings, environ: Mapping[str, str] = os.environ) -> bool:
    """A log is in use when one is configured or the default file exists (a build never creates one)."""
    location = locate(settings, environ)
    return location.source != "default" or (location.path is not None and location.path.exists())


def _parse(value: str, source: str, base: Path) -> Location:
    """A PostgreSQL URL, a SQLite URL, or a plain file path (relative to `base`)."""
    if "://" not in value:
        path = (base / value).absolute()
        return Location(f"sqlite:///{path}", source, path)
    scheme, rest = value.split("://", 1)
    if scheme in ("postgres", "postgresql", "postgresql+psycopg"):
        return Location(f"{POSTGRES_DRIVER}://{rest}", source)
    if scheme == "sqlite":
        file = rest.removeprefix("/")
        if not file or file == ":memory:":
            raise InputError(source, "database_url", "names no file; a log in memory would be lost")
        path = (base / file).absolute()
        return Location(f"sqlite:///{path}", source, path)
    raise InputError(source, "database_url", f"{scheme}:// is not supported; use a PostgreSQL URL "
                     "(postgresql://user@host/db) or a SQLite file")


def mount_type(path: Path, mounts: str) -> str:
    """The filesystem type of the mount holding `path`, from /proc/mounts text (the longest mount
    point that contains it; octal escapes such as \\040 for a space decoded)."""
    best, kind = "", ""
    target = str(path)
    for line in mounts.splitlines():
        fields = line.split()
        if len(fields) < 3:
            continue
        point = re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), fields[1])
        inside = target == point or target.startswith(point.rstrip("/") + "/")
        if inside and len(point) >= len(best):
            best, kind = point, fields[2]
    return kind


def refuse_network_share(location: Location, mounts_file: Path = Path("/proc/mounts")) -> None:
    """SQLite on NFS, SMB, sshfs and the like can lose or corrupt entries when two machines write."""
    if location.path is None:
        return
    try:
        mounts = mounts_file.read_text()
    except OSError:  # not Linux: nothing to tell from
        return
    folder = location.path.parent.resolve()
    kind = mount_type(folder, mounts)
    if kind in NETWORK_FILESYSTEMS or kind.startswith(("nfs", "fuse.sshfs")):
        raise InputError(location.path, "database_url", f"is on a network share ({kind}), where SQLite's "
                         "locking is unreliable; use PostgreSQL for a shared log (database_url: "
                         "postgresql://user@host/appealgen) or keep the SQLite file on a local disk")


def create_private(path: Path) -> None:
    """Create an empty SQLite file readable by its owner only (0600) before SQLite opens it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:
        return
    os.close(fd)
    os.chmod(path, 0o600)  # whatever the umask

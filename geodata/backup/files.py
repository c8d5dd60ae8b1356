"""The citizens' photos in the backup repository: copied by their SHA-256, brought back as the
restored database refers to them.

Photos are content-addressed (``<photo_dir>/ab/cd/<sha256>.jpg``, geodata/reports/photos.py):
a file's name is the checksum of its bytes and a file never changes once written. So the
repository keeps one copy of each, at the same relative path under ``<repo>/files``, and only
adds: a copy is checked against its name on the way in (a damaged file is not stored over a good
one) and again on the way out. ``sync`` runs with every base backup and, between them, every
``backup_files_interval_s`` seconds from the worker, so a lost disk loses at most that much of
the newest photos, as archive_timeout bounds the database's loss.

A restore does not need a list of files per moment: the restored database says which photos
existed then (``report_photo``), and only those are brought back; a photo added after the
target has no row in it and stays out.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from sqlalchemy import Connection, text

from geodata.reports.photos import MIMES

# A stored photo's path under photo_dir: ab/cd/abcd…(64 hex).ext
_STORED = re.compile(
    r"^([0-9a-f]{2})/([0-9a-f]{2})/(\1\2[0-9a-f]{60})\.(" + "|".join(MIMES.values()) + r")$"
)
_CHUNK = 1 << 20


@dataclasses.dataclass
class Synced:
    """A sync: the photo files found (count, bytes), those newly copied, and those whose bytes
    no longer match their name (left out, named)."""

    files: int = 0
    bytes: int = 0
    copied: int = 0
    copied_bytes: int = 0
    damaged: list[str] = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class Restored:
    """A restore of the photos: referenced by the database, already in place and sound, copied
    in, missing from everywhere (named), and unreferenced files moved aside (and where)."""

    referenced: int = 0
    kept: int = 0
    copied: int = 0
    missing: list[str] = dataclasses.field(default_factory=list)
    displaced: int = 0
    displaced_to: Path | None = None


def stored_files(folder: Path) -> Iterator[str]:
    """The photo files under ``folder``, as relative paths (``ab/cd/<sha>.jpg``); anything else
    there (a temporary file of a write in progress) is not one."""
    if not folder.is_dir():
        return
    for top in sorted(os.scandir(folder), key=lambda e: e.name):
        if not (top.is_dir() and len(top.name) == 2):
            continue
        for mid in sorted(os.scandir(top.path), key=lambda e: e.name):
            if not mid.is_dir():
                continue
            for entry in sorted(os.scandir(mid.path), key=lambda e: e.name):
                relative = f"{top.name}/{mid.name}/{entry.name}"
                if _STORED.match(relative) and entry.is_file():
                    yield relative


def _sha_of(relative: str) -> str:
    return relative.rsplit("/", 1)[1].split(".", 1)[0]


def _sound(path: Path, relative: str) -> bool:
    """Whether the file's bytes hash to the SHA-256 its name says."""
    digest = hashlib.sha256()
    try:
        with path.open("rb") as source:
            while chunk := source.read(_CHUNK):
                digest.update(chunk)
    except OSError:
        return False
    return digest.hexdigest() == _sha_of(relative)


def _copy_checked(source: Path, target: Path, relative: str) -> bool:
    """Copy ``source`` to ``target`` atomically if its bytes match its name; whether it did."""
    target.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-", suffix=target.suffix)
    try:
        with source.open("rb") as src, os.fdopen(fd, "wb") as out:
            while chunk := src.read(_CHUNK):
                digest.update(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        if digest.hexdigest() != _sha_of(relative):
            Path(tmp).unlink()
            return False
        os.chmod(tmp, 0o640)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return True


def sync(photo_dir: Path, store: Path) -> Synced:
    """Copy into ``store`` every photo of ``photo_dir`` it does not hold yet, each checked
    against its SHA-256; what was found and copied."""
    done = Synced()
    store.mkdir(parents=True, exist_ok=True)
    for relative in stored_files(photo_dir):
        source, target = photo_dir / relative, store / relative
        try:
            size = source.stat().st_size
        except FileNotFoundError:  # removed since listed (a failed report's cleanup)
            continue
        done.files += 1
        done.bytes += size
        if target.exists():
            continue
        if _copy_checked(source, target, relative):
            done.copied += 1
            done.copied_bytes += size
        else:
            done.damaged.append(relative)
    return done


def referenced(conn: Connection) -> set[str]:
    """The photo files (relative paths) the database refers to: every report photo and its
    thumbnail."""
    rows = conn.execute(text("SELECT sha256, thumb_sha256, mime FROM report_photo")).all()
    found: set[str] = set()
    for sha, thumb, mime in rows:
        extension = MIMES.get(mime)
        if extension is None:
            continue
        for digest in (sha, thumb):
            found.add(f"{digest[:2]}/{digest[2:4]}/{digest}.{extension}")
    return found


def restore(
    wanted: Iterable[str],
    store: Path,
    target: Path,
    *,
    also_from: Path | None = None,
    referenced_now: Callable[[], set[str]] | None = None,
) -> Restored:
    """Make ``target`` hold exactly the ``wanted`` photo files: a sound copy already there is
    kept; the others come from ``also_from`` (the live photo folder, when the target is a new
    one) or the repository's ``store``, each checked against its SHA-256. Files in ``target``
    that are not wanted (photos added after the restore's moment) are moved aside, never
    deleted, to ``<target>.displaced-<UTC time>`` — unless ``referenced_now`` (the restored
    database asked again) names them: a report sent since the restored server opened."""
    done = Restored()
    wanted = sorted(set(wanted))
    done.referenced = len(wanted)
    target.mkdir(parents=True, exist_ok=True)
    for relative in wanted:
        destination = target / relative
        if destination.exists() and _sound(destination, relative):
            done.kept += 1
            continue
        sources = [folder / relative for folder in (also_from, store) if folder is not None]
        if any(s.exists() and _copy_checked(s, destination, relative) for s in sources):
            done.copied += 1
        else:
            done.missing.append(relative)
    keep = set(wanted) | (referenced_now() if referenced_now else set())
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    aside = target.with_name(f"{target.name}.displaced-{stamp}")
    for relative in list(stored_files(target)):
        if relative in keep:
            continue
        (aside / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.move(target / relative, aside / relative)
        done.displaced += 1
        done.displaced_to = aside
    return done

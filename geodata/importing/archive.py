"""Archived readings: a month's readings as a gzip-compressed CSV with its SHA-256 beside it.

``python -m geodata retention run`` writes ``reading_YYYY_MM.csv.gz`` (the columns
``python -m geodata load readings`` reads: ``sensor_code, quantity, observed_at, value, quality``,
times in UTC) and ``reading_YYYY_MM.csv.gz.sha256`` in ``sha256sum``'s format, so the archive
can also be checked by hand (``sha256sum -c reading_2024_03.csv.gz.sha256``). ``load readings``
reads a ``.gz`` file as it reads a plain one and, when the checksum file lies beside it, refuses
a file whose SHA-256 does not match it before anything is written.
"""

from __future__ import annotations

import gzip
import hashlib
import os
from pathlib import Path
from typing import BinaryIO

HEADER = ("sensor_code", "quantity", "observed_at", "value", "quality")
CHECKSUM_SUFFIX = ".sha256"
_GZIP_MAGIC = b"\x1f\x8b"


class ChecksumMismatch(Exception):
    """A file whose SHA-256 is not the one its checksum file states (or whose checksum file
    cannot be read); the message says which and both values."""


def checksum_path(path: Path) -> Path:
    """The checksum file beside ``path``: its name with ``.sha256`` added."""
    return path.with_name(path.name + CHECKSUM_SUFFIX)


def sha256_of(path: Path) -> str:
    """The SHA-256 of the file's bytes, in lower-case hex."""
    digest = hashlib.sha256()
    with path.open("rb") as source:
        while chunk := source.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def write_checksum(path: Path, digest: str) -> Path:
    """Write ``path``'s checksum file (``<sha256>  <name>``, as ``sha256sum`` does), durably."""
    target = checksum_path(path)
    with target.open("w", encoding="ascii") as out:
        out.write(f"{digest}  {path.name}\n")
        out.flush()
        os.fsync(out.fileno())
    return target


def stated_checksum(path: Path) -> str | None:
    """The SHA-256 the checksum file beside ``path`` states; None when there is none."""
    target = checksum_path(path)
    if not target.is_file():
        return None
    words = target.read_text(encoding="ascii", errors="replace").split()
    digest = words[0].lower() if words else ""
    if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
        raise ChecksumMismatch(f"{target}: not a SHA-256 checksum file (sha256sum's format)")
    return digest


def verify(path: Path) -> str | None:
    """Check ``path`` against its checksum file: the SHA-256 when it matches, None when there is
    no checksum file; ``ChecksumMismatch`` when it does not match."""
    stated = stated_checksum(path)
    if stated is None:
        return None
    actual = sha256_of(path)
    if actual != stated:
        raise ChecksumMismatch(
            f"its SHA-256 is {actual} but {checksum_path(path).name} states {stated}: the file "
            "was damaged or changed after it was archived"
        )
    return actual


def is_gzip(path: Path) -> bool:
    """Whether the file is gzip-compressed (by its first bytes, whatever its name)."""
    with path.open("rb") as source:
        return source.read(2) == _GZIP_MAGIC


def open_bytes(path: Path) -> BinaryIO:
    """The file's content as bytes: decompressed when it is gzip-compressed."""
    if is_gzip(path):
        return gzip.open(path, "rb")  # type: ignore[return-value]
    return path.open("rb")

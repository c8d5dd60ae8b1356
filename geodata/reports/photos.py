"""Photos of citizens' reports: taken only if they really are images, cleaned, kept on disk.

``accept(data, filename)`` judges an upload by its content alone (Pillow's identification, never
its name or a claimed MIME type): JPEG, PNG or WebP, at most ``settings.photo_max_bytes`` bytes
and ``settings.photo_max_pixels`` pixels — the pixels counted from the header, before anything is
decoded, so a small file that would inflate to gigabytes (a decompression bomb) is refused cheaply.
It decodes the picture, turns it upright from its EXIF orientation, converts it to sRGB, and
encodes it again from the pixels alone: nothing of the upload's metadata survives (EXIF with the
GPS position and the phone's make and serial, XMP, IPTC, comments, PNG text chunks, the ICC
profile). It also makes a thumbnail. A refusal raises ``PhotoRefused`` with a catalog key
(``photo.*`` in layouts/i18n.py) and the values its message needs (the file's name always).

``store(photo)`` writes the photo and its thumbnail under ``settings.photo_dir``, each named by
the SHA-256 of its bytes (``ab/cd/<sha256>.jpg``, see ``path_of``): written atomically (a
temporary file renamed), and storing the same photo again changes nothing. Two reports with the
same photo share its files.

Nothing stored for a refused report, no orphan file — the callers' protocol, "store after the
database row is ready":

1. ``accept()`` every photo before touching the database: a refusal writes nothing anywhere.
2. In the report's transaction, insert the report and its photo rows (photo and thumbnail
   SHA-256) and flush, so every refusal the database can make (constraints, row-level security,
   the point's unit) is made before any file exists. Then take
   ``pg_advisory_xact_lock(lock_key(sha))`` for each file's SHA-256 (photo and thumbnail, in
   sorted order so two reports never deadlock), ``store()`` each photo, and commit.
3. If ``store()`` or the commit fails, the transaction is rolled back and the files it wrote may
   be left without a row. Then, in a new transaction, take the same locks, read which of those
   SHA-256 some row still references (another report may hold the same photo), and call
   ``remove_unreferenced(shas, referenced)``. The locks make this safe against a report with the
   same photo being written at that moment: it either committed before (its row is seen and the
   file kept) or waits for the lock and stores the file again after the removal.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import os
import struct
import tempfile
import unicodedata
from collections.abc import Collection, Iterable
from pathlib import Path

from PIL import Image, ImageCms, UnidentifiedImageError

from geodata.settings import get_settings

# What a stored photo may be, and its files' extension.
MIMES = {"image/jpeg": "jpg", "image/png": "png"}
# What Pillow may identify an upload as (a phone's MPO — a JPEG with a second, depth or HDR,
# picture — is opened by the JPEG plugin and counts as a JPEG; only its first picture is kept).
FORMATS = ("JPEG", "PNG", "WEBP")
THUMB_SIDE = 320  # pixels on the thumbnail's long side
# JPEG qualities: 85 keeps a phone photo's detail at about its original size. No `optimize`:
# it saves ~5 % of the bytes for ~80 ms more per 12-megapixel photo like the benchmark's.
PHOTO_QUALITY = 85
THUMB_QUALITY = 80
# The errors Pillow's parsers and decoders raise on a file that is damaged (cut short, corrupt
# data); anything else (MemoryError, say) is not the upload's fault and is not a refusal.
_BROKEN = (OSError, ValueError, SyntaxError, EOFError, IndexError, TypeError, struct.error)


class PhotoRefused(Exception):
    """An upload that is not taken. ``reason_key`` is a catalog key (``photo.not_image``,
    ``photo.too_big``, ``photo.too_many_pixels``, ``photo.broken``) and ``values`` fill in its
    placeholders: always ``name``, the file's name as the user knows it (raw user text: escape it
    where it is shown), and ``limit`` for the two limits (megabytes, megapixels)."""

    def __init__(self, reason_key: str, **values: object) -> None:
        self.reason_key = reason_key
        self.values = values
        super().__init__(f"{reason_key} {values}")


@dataclasses.dataclass(frozen=True)
class Photo:
    """An accepted photo, re-encoded: its bytes and its thumbnail's, named by their SHA-256
    (hex). ``mime`` is the type of both; ``size`` is ``len(content)``; ``width`` and ``height``
    are the upright photo's. A PNG no larger than a thumbnail is its own thumbnail (the same
    bytes, the same SHA-256, one file)."""

    sha256: str
    mime: str
    width: int
    height: int
    size: int
    thumb_sha256: str
    content: bytes = dataclasses.field(repr=False)
    thumb: bytes = dataclasses.field(repr=False)


def accept(data: bytes, filename: str | None = None) -> Photo:
    """The upload ``data`` cleaned and re-encoded, with its thumbnail; ``PhotoRefused`` if it is
    not a JPEG, PNG or WebP picture within the limits. ``filename`` only names the file in a
    refusal: the type is judged by the content."""
    settings = get_settings()
    name = _display_name(filename)
    if len(data) > settings.photo_max_bytes:
        raise PhotoRefused("photo.too_big", name=name, limit=_millions(settings.photo_max_bytes))
    # Our limit, or Pillow's own if that is lower: Pillow warns (DecompressionBombWarning) above
    # its MAX_IMAGE_PIXELS and raises DecompressionBombError above twice that while it reads the
    # header, so a picture that makes it warn is always refused here too, before decoding; and if
    # a warnings filter turns the warning into an error, that is a refusal as well. (We do not
    # install such a filter: warnings.catch_warnings changes a process-wide list that concurrent
    # requests' threads would save and restore over each other.)
    max_pixels = min(settings.photo_max_pixels, Image.MAX_IMAGE_PIXELS or settings.photo_max_pixels)
    too_many = PhotoRefused("photo.too_many_pixels", name=name, limit=_millions(max_pixels))
    try:
        image = Image.open(io.BytesIO(data), formats=FORMATS)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise too_many from None
    except (UnidentifiedImageError, *_BROKEN):
        # Not one of our formats, or its header does not even parse as one.
        raise PhotoRefused("photo.not_image", name=name) from None
    with image:
        if image.width * image.height > max_pixels:
            raise too_many
        try:
            image.load()
            pixels, mime = _clean_pixels(image)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise too_many from None  # a size only read while decoding (an animation's frame)
        except _BROKEN:
            raise PhotoRefused("photo.broken", name=name) from None
        # Inside `with`: closing the opened image frees its pixels, which may be these.
        content = _encode(pixels, mime, PHOTO_QUALITY)
        thumb = _encode(_thumbnail(pixels), mime, THUMB_QUALITY)
    return Photo(
        sha256=hashlib.sha256(content).hexdigest(),
        mime=mime,
        width=pixels.width,
        height=pixels.height,
        size=len(content),
        thumb_sha256=hashlib.sha256(thumb).hexdigest(),
        content=content,
        thumb=thumb,
    )


def path_of(sha256: str, mime: str) -> Path:
    """Where the file with this SHA-256 (a photo's or a thumbnail's) and type is kept:
    ``<photo_dir>/ab/cd/abcd….jpg`` (two levels of 256 folders keep each folder small)."""
    if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
        raise ValueError(f"not a SHA-256 in lower-case hex: {sha256!r}")
    if mime not in MIMES:
        raise ValueError(f"not a stored photo type: {mime!r}")
    return get_settings().photo_dir / sha256[:2] / sha256[2:4] / f"{sha256}.{MIMES[mime]}"


def store(photo: Photo) -> None:
    """Write the photo and its thumbnail to their content-addressed paths, each atomically (a
    crash leaves the whole file or none); a file already there with the same length is kept, so
    storing again is harmless. Call it as the module's docstring says, so a failure leaves no
    orphan file."""
    _write(path_of(photo.sha256, photo.mime), photo.content)
    _write(path_of(photo.thumb_sha256, photo.mime), photo.thumb)


def remove_unreferenced(shas: Iterable[str], referenced: Collection[str]) -> list[Path]:
    """Delete the files (any stored type) of each SHA-256 in ``shas`` that is not in
    ``referenced`` — what the database still points to, read under the locks the module's
    docstring names; the paths deleted. Folders stay: removing one could race a ``store()``
    about to write into it."""
    removed = []
    for sha in dict.fromkeys(shas):
        if sha in referenced:
            continue
        for mime in MIMES:
            path = path_of(sha, mime)
            try:
                path.unlink()
            except FileNotFoundError:
                continue
            removed.append(path)
    return removed


def lock_key(sha256: str) -> int:
    """The PostgreSQL advisory lock key (a signed 64-bit integer) guarding the file with this
    SHA-256 while a report stores it or a failed report's files are removed."""
    return int.from_bytes(bytes.fromhex(sha256[:16]), "big", signed=True)


def _clean_pixels(image: Image.Image) -> tuple[Image.Image, str]:
    """The decoded picture upright, in sRGB and a mode its type can hold, with no metadata; and
    the type to store it as.

    JPEG for everything opaque: these are photos of streets, and JPEG keeps them at a tenth of a
    lossless size. PNG only when some pixel is actually transparent (a marked-up screenshot, a
    cut-out): JPEG has no transparency, and flattening it would invent a background the sender
    did not choose. An alpha channel that is fully opaque, as many PNGs carry, counts as none."""
    try:  # read before the metadata goes; metadata too damaged to read only loses the turn
        orientation = image.getexif().get(0x0112, 1)
    except _BROKEN:
        orientation = 1
    if image.mode.startswith("I"):  # 16-bit grey PNG: scale to 8 bits (convert would clip)
        image = image.convert("I").point(lambda v: v * (1 / 257)).convert("L")
    elif image.mode in ("F", "1"):
        image = image.convert("L")
    if image.mode in ("P", "PA") or "transparency" in image.info:
        image = image.convert("RGBA")
    alpha = image.mode in ("RGBA", "LA") and _lowest(image.getchannel("A")) < 255
    if image.mode in ("RGBA", "LA") and not alpha:
        image = image.convert("RGB" if image.mode == "RGBA" else "L")
    image = _to_srgb(image)
    if image.mode not in ("RGB", "RGBA", "L", "LA"):  # CMYK, YCbCr, LAB without a usable profile
        image = image.convert("RGBA" if alpha else "RGB")
    image = _upright(image, orientation)
    # The pixels only: a fresh image holds no info (EXIF, XMP, comments, text chunks, ICC) that a
    # plugin could write back when saving (Pillow's JPEG writer keeps a comment from `info`).
    image.info = {}
    return image, "image/png" if alpha else "image/jpeg"


def _lowest(channel: Image.Image) -> float:
    low = channel.getextrema()[0]
    assert not isinstance(low, tuple)  # one band
    return low


def _to_srgb(image: Image.Image) -> Image.Image:
    """Colours converted from the embedded ICC profile to sRGB (a phone's Display P3, a CMYK
    scan), so they look right without a profile; an sRGB profile, a grey one or one that does not
    parse is simply dropped."""
    icc = image.info.get("icc_profile")
    if not icc or image.mode not in ("RGB", "RGBA", "CMYK"):
        return image
    try:
        profile = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        described = ImageCms.getProfileDescription(profile).replace(" ", "").lower()
        if "srgb" in described and image.mode != "CMYK":
            return image  # already what the file will be read as: converting costs ~0.1 s
        out_mode = "RGBA" if image.mode == "RGBA" else "RGB"
        # A new sRGB profile each time (microseconds): Little CMS profiles are not to be shared
        # between threads, and requests convert in several.
        srgb = ImageCms.createProfile("sRGB")
        converted = ImageCms.profileToProfile(image, profile, srgb, outputMode=out_mode)
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return image
    assert converted is not None  # not in place
    return converted


def _upright(image: Image.Image, orientation: object) -> Image.Image:
    """The picture turned as its EXIF orientation (1–8) says the camera held it."""
    method = {
        2: Image.Transpose.FLIP_LEFT_RIGHT,
        3: Image.Transpose.ROTATE_180,
        4: Image.Transpose.FLIP_TOP_BOTTOM,
        5: Image.Transpose.TRANSPOSE,
        6: Image.Transpose.ROTATE_270,
        7: Image.Transpose.TRANSVERSE,
        8: Image.Transpose.ROTATE_90,
    }.get(orientation if isinstance(orientation, int) else 1)
    return image.transpose(method) if method is not None else image


def _thumbnail(image: Image.Image) -> Image.Image:
    """The picture at most THUMB_SIDE pixels on its long side (smaller ones as they are)."""
    scale = THUMB_SIDE / max(image.width, image.height)
    if scale >= 1:
        return image
    size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    # reducing_gap: a fast integer reduction first, then the filter on the small picture.
    return image.resize(size, Image.Resampling.BICUBIC, reducing_gap=2.0)


def _encode(image: Image.Image, mime: str, quality: int) -> bytes:
    out = io.BytesIO()
    if mime == "image/jpeg":
        image.save(out, "JPEG", quality=quality)
    else:
        image.save(out, "PNG")
    return out.getvalue()


def _write(path: Path, content: bytes) -> None:
    """``content`` at ``path``, atomically: a temporary file in the same folder, flushed to disk,
    then renamed over (readable by the app's user only: unpublished photos are private)."""
    try:
        if path.stat().st_size == len(content):
            return
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(content)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    # The rename itself is durable only once the folder is flushed too.
    folder = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)


def _display_name(filename: str | None) -> str:
    """The file's name for a message: its last path part (some browsers send C:\\fakepath\\…),
    without control or formatting characters (a newline, a right-to-left override), at most 80
    characters; "?" when the caller has none."""
    if not filename:
        return "?"
    base = filename.replace("\\", "/").rsplit("/", 1)[-1]
    clean = "".join(c for c in base if not unicodedata.category(c).startswith("C")).strip()
    if len(clean) > 80:
        clean = clean[:79] + "…"
    return clean or "?"


def _millions(value: int) -> int | float:
    """A limit in millions (megabytes, megapixels) for a message: 10, 10.5 or 0.01."""
    millions = float(f"{value / 1_000_000:.3g}")
    return int(millions) if millions.is_integer() else millions

"""Report photos: only real JPEG, PNG or WebP pictures within the limits are taken, upright and
with no metadata left, and kept on disk under their content's SHA-256.

Every file here is a real one, made with Pillow in the test.
"""

from __future__ import annotations

import hashlib
import io
import os
import struct
import warnings
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import ExifTags, Image, ImageCms, ImageFile

from geodata.reports import photos
from geodata.reports.photos import Photo, PhotoRefused, accept, path_of, remove_unreferenced, store
from geodata.settings import get_settings
from layouts.i18n import CATALOG, t

RED, BLUE = (220, 20, 20), (20, 20, 220)
XYZ = tuple[float, float, float]
# sRGB's primaries in the ICC connection space (D50).
SRGB_RED: XYZ = (0.4361, 0.2225, 0.0139)
SRGB_GREEN: XYZ = (0.3851, 0.7169, 0.0971)
SRGB_BLUE: XYZ = (0.1431, 0.0606, 0.7141)
GPS = ExifTags.IFD.GPSInfo


class SettingsEnv:
    """Sets CANTHO_* variables for one test; the cached settings are read again after each."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.monkeypatch = monkeypatch

    def setenv(self, name: str, value: str) -> None:
        self.monkeypatch.setenv(name, value)
        get_settings.cache_clear()


@pytest.fixture
def settings_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[SettingsEnv]:
    yield SettingsEnv(monkeypatch)
    get_settings.cache_clear()  # monkeypatch restores the variables; read them again then


@pytest.fixture
def photo_dir(tmp_path: Path, settings_env: SettingsEnv) -> Path:
    folder = tmp_path / "photos"
    settings_env.setenv("CANTHO_PHOTO_DIR", str(folder))
    return folder


def _encoded(image: Image.Image, fmt: str, **params: object) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **params)
    return out.getvalue()


def _red_left_blue_right(width: int = 400, height: int = 200) -> Image.Image:
    image = Image.new("RGB", (width, height), RED)
    image.paste(BLUE, (width // 2, 0, width, height))
    return image


def _phone_exif(orientation: int = 1) -> Image.Exif:
    """EXIF as a phone writes it: who made the camera, when, and where (Cần Thơ's quay)."""
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PhoneMaker"
    exif[ExifTags.Base.Model] = "Model X"
    exif[ExifTags.Base.DateTime] = "2026:11:30 07:15:00"
    exif[ExifTags.Base.Orientation] = orientation
    gps = exif.get_ifd(GPS)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (10.0, 2.0, 2.5)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (105.0, 47.0, 18.5)
    return exif


def _opened(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def _near(pixel: object, colour: tuple[int, int, int], tolerance: int = 30) -> bool:
    assert isinstance(pixel, tuple)
    return all(abs(a - b) <= tolerance for a, b in zip(pixel[:3], colour, strict=True))


def _refusal(data: bytes, filename: str | None = "upload") -> PhotoRefused:
    with pytest.raises(PhotoRefused) as refused:
        accept(data, filename)
    return refused.value


# --- what is taken, and how it comes out ---------------------------------------------------------


def test_a_phone_jpeg_loses_its_gps_and_every_other_metadata() -> None:
    upload = _encoded(
        _red_left_blue_right(),
        "JPEG",
        exif=_phone_exif(),
        xmp=b'<x:xmpmeta xmlns:x="adobe:ns:meta/">Nguyen Van A, 0901234567</x:xmpmeta>',
        comment=b"taken by Nguyen Van A",
        icc_profile=ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes(),
    )
    # The upload really carries them (else the test below proves nothing).
    sent = _opened(upload)
    assert sent.getexif().get_ifd(GPS)[ExifTags.GPS.GPSLatitudeRef] == "N"
    assert {"exif", "xmp", "comment", "icc_profile"} <= set(sent.info)

    photo = accept(upload, "IMG_0001.jpg")

    assert photo.mime == "image/jpeg"
    stored = _opened(photo.content)
    assert stored.format == "JPEG"
    assert not stored.getexif() and not stored.getexif().get_ifd(GPS)
    assert set(stored.info) & {"exif", "xmp", "comment", "icc_profile"} == set()
    for trace in (b"Exif\x00\x00", b"PhoneMaker", b"adobe:ns:meta", b"Nguyen Van A", b"sRGB"):
        assert trace not in photo.content and trace not in photo.thumb


def test_a_jpeg_taken_sideways_is_stored_upright() -> None:
    # Orientation 6: the sensor's picture must be turned 90° clockwise to be seen as taken, so
    # its left (red) half ends up on top.
    upload = _encoded(_red_left_blue_right(400, 200), "JPEG", exif=_phone_exif(orientation=6))

    photo = accept(upload, "sideways.jpg")

    assert (photo.width, photo.height) == (200, 400)
    stored = _opened(photo.content).convert("RGB")
    assert stored.size == (200, 400)
    assert _near(stored.getpixel((100, 50)), RED) and _near(stored.getpixel((100, 350)), BLUE)
    assert ExifTags.Base.Orientation not in stored.getexif()  # nothing to turn it twice
    thumb = _opened(photo.thumb).convert("RGB")
    assert thumb.size == (160, 320) and _near(thumb.getpixel((80, 20)), RED)


def test_an_opaque_png_becomes_a_jpeg_without_its_text_chunks() -> None:
    from PIL.PngImagePlugin import PngInfo

    chunks = PngInfo()
    chunks.add_text("Author", "Nguyen Van A")
    chunks.add_itxt("Comment", "số điện thoại 0901234567", zip=True)
    upload = _encoded(_red_left_blue_right(), "PNG", pnginfo=chunks)
    assert _opened(upload).info["Author"] == "Nguyen Van A"

    photo = accept(upload, "screenshot.png")

    assert photo.mime == "image/jpeg" and _opened(photo.content).format == "JPEG"
    assert (photo.width, photo.height) == (400, 200)
    assert b"Nguyen Van A" not in photo.content and b"Author" not in photo.content


def test_a_png_with_transparent_pixels_stays_a_png_and_keeps_them() -> None:
    from PIL.PngImagePlugin import PngInfo

    image = _red_left_blue_right().convert("RGBA")
    image.paste((0, 0, 0, 0), (0, 0, 50, 50))
    chunks = PngInfo()
    chunks.add_text("Author", "Nguyen Van A")
    upload = _encoded(image, "PNG", pnginfo=chunks)

    photo = accept(upload, "cutout.png")

    assert photo.mime == "image/png"
    stored = _opened(photo.content)
    assert stored.format == "PNG" and stored.mode == "RGBA"
    assert stored.getpixel((10, 10)) == (0, 0, 0, 0) and stored.getpixel((300, 100)) == (*BLUE, 255)
    assert not getattr(stored, "text", {}) and b"Nguyen Van A" not in photo.content
    assert _opened(photo.thumb).format == "PNG"


def test_a_png_whose_alpha_is_all_opaque_is_a_jpeg() -> None:
    upload = _encoded(_red_left_blue_right().convert("RGBA"), "PNG")

    assert accept(upload, "opaque.png").mime == "image/jpeg"


def test_a_palette_png_with_a_transparent_colour_keeps_it() -> None:
    image = Image.new("P", (40, 40), 1)
    image.putpalette([0, 0, 0, *RED])
    upload = _encoded(image, "PNG", transparency=0)  # colour 0 unused: all pixels are opaque red
    assert accept(upload, "palette.png").mime == "image/jpeg"
    image.paste(0, (0, 0, 10, 10))
    photo = accept(_encoded(image, "PNG", transparency=0), "palette.png")
    assert photo.mime == "image/png" and _opened(photo.content).getpixel((5, 5))[3] == 0  # type: ignore[index]


def test_a_16_bit_grey_png_keeps_its_greys() -> None:
    upload = _encoded(Image.new("I;16", (50, 50), 32768), "PNG")

    stored = _opened(accept(upload, "scan.png").content)

    assert stored.mode == "L" and abs(stored.getpixel((25, 25)) - 128) <= 2  # type: ignore[operator]


def test_a_webp_becomes_a_jpeg_without_its_exif() -> None:
    upload = _encoded(_red_left_blue_right(), "WEBP", exif=_phone_exif(), quality=90)
    assert _opened(upload).getexif().get_ifd(GPS)

    photo = accept(upload, "photo.webp")

    stored = _opened(photo.content).convert("RGB")
    assert photo.mime == "image/jpeg" and not _opened(photo.content).getexif()
    assert _near(stored.getpixel((50, 100)), RED) and _near(stored.getpixel((350, 100)), BLUE)


def test_a_cmyk_jpeg_is_stored_as_rgb() -> None:
    upload = _encoded(_red_left_blue_right().convert("CMYK"), "JPEG")

    stored = _opened(accept(upload, "print.jpg").content)

    assert stored.mode == "RGB" and _near(stored.getpixel((50, 100)), RED, 40)


def _xyz(x: float, y: float, z: float) -> bytes:
    return b"XYZ \0\0\0\0" + b"".join(struct.pack(">i", round(v * 65536)) for v in (x, y, z))


def _rgb_profile(description: str, red: XYZ, green: XYZ, blue: XYZ) -> bytes:
    """A minimal ICC v2 display profile with these primaries (D50 XYZ) and gamma 2.2."""
    text = description.encode("ascii") + b"\0"
    desc = b"desc\0\0\0\0" + struct.pack(">I", len(text)) + text + b"\0" * 78
    curve = b"curv\0\0\0\0" + struct.pack(">IH", 1, 0x0233) + b"\0\0"
    white = _xyz(0.9642, 1.0, 0.8249)
    tags = [
        (b"desc", desc),
        (b"cprt", b"text\0\0\0\0test\0"),
        (b"wtpt", white),
        (b"rXYZ", _xyz(*red)),
        (b"gXYZ", _xyz(*green)),
        (b"bXYZ", _xyz(*blue)),
        (b"rTRC", curve),
        (b"gTRC", curve),
        (b"bTRC", curve),
    ]
    offset = 128 + 4 + 12 * len(tags)
    table = data = b""
    for signature, body in tags:
        table += signature + struct.pack(">II", offset + len(data), len(body))
        data += body + b"\0" * (-len(body) % 4)
    header = (
        struct.pack(">I4sI", offset + len(data), b"", 0x02100000)
        + b"mntrRGB XYZ "
        + struct.pack(">6H", 2026, 1, 1, 0, 0, 0)
        + b"acsp"
        + b"\0" * 28
        + white[8:]
        + b"\0" * 48
    )
    return header + struct.pack(">I", len(tags)) + table + data


def test_colours_are_converted_from_the_embedded_profile_to_srgb() -> None:
    # A profile that puts sRGB's blue where red is: the file's red pixels are blue to the eye,
    # and must be blue once the profile is gone.
    swapped = _rgb_profile("Red and blue swapped", SRGB_BLUE, SRGB_GREEN, SRGB_RED)
    upload = _encoded(Image.new("RGB", (64, 64), RED), "JPEG", icc_profile=swapped)

    stored = _opened(accept(upload, "wide-gamut.jpg").content)

    assert "icc_profile" not in stored.info and _near(stored.getpixel((32, 32)), BLUE)


def test_of_an_animation_or_a_phones_multi_picture_jpeg_the_first_picture_is_kept() -> None:
    red, blue = Image.new("RGB", (100, 80), RED), Image.new("RGB", (100, 80), BLUE)
    for fmt in ("PNG", "WEBP", "MPO"):
        upload = _encoded(red, fmt, save_all=True, append_images=[blue], duration=100)
        assert getattr(_opened(upload), "n_frames", 1) == 2

        stored = _opened(accept(upload, f"two.{fmt.lower()}").content)

        assert stored.format == "JPEG" and _near(stored.getpixel((50, 40)), RED), fmt
        assert getattr(stored, "n_frames", 1) == 1


@pytest.mark.filterwarnings("ignore:Corrupt EXIF data")
def test_a_picture_with_corrupt_exif_is_still_taken() -> None:
    jpeg = _encoded(_red_left_blue_right(), "JPEG")
    garbage = b"Exif\0\0" + b"II\x2a\x00\x08\x00\x00\x00" + b"\xff" * 20
    upload = jpeg[:2] + b"\xff\xe1" + struct.pack(">H", 2 + len(garbage)) + garbage + jpeg[2:]
    assert b"Exif" in upload

    photo = accept(upload, "odd-app.jpg")

    assert (photo.width, photo.height) == (400, 200) and b"Exif" not in photo.content


def test_the_type_is_judged_by_the_content_not_the_name() -> None:
    png = _encoded(_red_left_blue_right(), "PNG")

    assert accept(png, "looks-like.jpg").mime == "image/jpeg"
    assert accept(png, None).width == 400


def test_the_thumbnail_is_320_pixels_on_its_long_side_and_a_small_picture_stays_as_it_is() -> None:
    big = accept(_encoded(_red_left_blue_right(1000, 750), "JPEG"), "big.jpg")
    small = accept(_encoded(_red_left_blue_right(200, 100), "JPEG"), "small.jpg")

    assert _opened(big.thumb).size == (320, 240)
    assert _opened(small.thumb).size == (200, 100)


def test_a_photo_is_named_by_its_bytes_and_the_same_upload_gives_the_same_photo() -> None:
    upload = _encoded(_red_left_blue_right(), "JPEG", exif=_phone_exif())

    first, again = accept(upload, "a.jpg"), accept(upload, "b.jpg")

    assert first == again
    assert first.sha256 == hashlib.sha256(first.content).hexdigest()
    assert first.thumb_sha256 == hashlib.sha256(first.thumb).hexdigest()
    assert first.size == len(first.content) and first.sha256 != first.thumb_sha256
    assert "content" not in repr(first) and len(repr(first)) < 400  # logs never dump the bytes


# --- what is refused -----------------------------------------------------------------------------


def test_a_text_file_named_jpg_is_not_an_image() -> None:
    refusal = _refusal("Không phải ảnh, chỉ là chữ.\n".encode() * 20, "IMG_2001.jpg")

    assert refusal.reason_key == "photo.not_image" and refusal.values == {"name": "IMG_2001.jpg"}


@pytest.mark.parametrize("fmt", ["GIF", "BMP", "TIFF"])
def test_a_real_image_of_another_type_is_not_taken(fmt: str) -> None:
    refusal = _refusal(_encoded(_red_left_blue_right(), fmt), f"picture.{fmt.lower()}")

    assert refusal.reason_key == "photo.not_image"


def test_an_empty_file_is_not_an_image() -> None:
    assert _refusal(b"").reason_key == "photo.not_image"


def test_a_jpeg_cut_short_is_broken() -> None:
    noise = np.random.default_rng(7).integers(0, 256, (300, 400, 3), dtype=np.uint8)
    whole = _encoded(Image.fromarray(noise), "JPEG", quality=90)
    accept(whole, "whole.jpg")  # the whole file is fine

    refusal = _refusal(whole[: len(whole) // 2], "cut.jpg")

    assert refusal.reason_key == "photo.broken" and refusal.values == {"name": "cut.jpg"}


def test_a_file_over_the_byte_limit_is_refused_and_one_at_the_limit_is_taken(
    settings_env: SettingsEnv,
) -> None:
    upload = _encoded(_red_left_blue_right(), "JPEG")
    settings_env.setenv("CANTHO_PHOTO_MAX_BYTES", str(len(upload)))
    assert accept(upload, "at-limit.jpg").mime == "image/jpeg"

    refusal = _refusal(upload + b"\0", "over.jpg")  # bytes after a JPEG's end are ignored

    assert refusal.reason_key == "photo.too_big"


def test_an_11_megabyte_photo_is_too_big() -> None:
    noise = np.random.default_rng(11).integers(0, 256, (1900, 1950, 3), dtype=np.uint8)
    upload = _encoded(Image.fromarray(noise), "PNG", compress_level=1)
    assert 10_000_000 < len(upload) < 12_000_000 and get_settings().photo_max_bytes == 10_000_000

    refusal = _refusal(upload, "IMG_4000.png")

    assert refusal.reason_key == "photo.too_big"
    assert refusal.values == {"name": "IMG_4000.png", "limit": 10}


def test_pixels_over_the_limit_are_refused_and_at_the_limit_taken(
    settings_env: SettingsEnv,
) -> None:
    settings_env.setenv("CANTHO_PHOTO_MAX_PIXELS", "10000")

    assert accept(_encoded(Image.new("RGB", (100, 100)), "PNG"), "at-limit.png").width == 100
    refusal = _refusal(_encoded(Image.new("RGB", (100, 101)), "PNG"), "over.png")

    assert refusal.reason_key == "photo.too_many_pixels"
    assert refusal.values == {"name": "over.png", "limit": 0.01}


@pytest.fixture
def no_decoding(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any decoding of pixels fails the test."""

    def load(self: ImageFile.ImageFile) -> None:
        raise AssertionError(f"decoded a {self.size} picture")

    monkeypatch.setattr(ImageFile.ImageFile, "load", load)


@pytest.fixture(scope="module")
def bomb_45_megapixels() -> bytes:
    """A 7500 × 6000 PNG, 45 megapixels, of a few kilobytes."""
    return _encoded(Image.new("1", (7500, 6000)), "PNG")


def test_the_decoding_spy_sees_decoding(no_decoding: None) -> None:
    # The control for the test below: an image within the limits is decoded, and the spy says so.
    with pytest.raises(AssertionError, match="decoded"):
        accept(_encoded(Image.new("RGB", (10, 10)), "PNG"), "small.png")


def test_a_45_megapixel_png_of_a_few_kilobytes_is_refused_without_decoding(
    bomb_45_megapixels: bytes,
    no_decoding: None,
) -> None:
    assert len(bomb_45_megapixels) < 100_000

    refusal = _refusal(bomb_45_megapixels, "bomb.png")

    assert refusal.reason_key == "photo.too_many_pixels"
    assert refusal.values == {"name": "bomb.png", "limit": 40}


def test_pillows_own_decompression_bomb_error_is_a_refusal(
    bomb_45_megapixels: bytes,
    no_decoding: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Pillow raises DecompressionBombError (reading the header) above twice its own limit.
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 20_000_000)
    with pytest.raises(Image.DecompressionBombError):
        Image.open(io.BytesIO(bomb_45_megapixels))

    refusal = _refusal(bomb_45_megapixels, "bomb.png")

    assert refusal.reason_key == "photo.too_many_pixels" and refusal.values["limit"] == 20


def test_pillows_decompression_bomb_warning_is_a_refusal_even_as_an_error(
    no_decoding: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Between Pillow's limit and twice it, Pillow only warns: the picture is refused all the
    # same, whether the warning is shown or a filter turns it into an error.
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 10_000)
    upload = _encoded(Image.new("RGB", (150, 100)), "PNG")

    with pytest.warns(Image.DecompressionBombWarning):
        assert _refusal(upload).reason_key == "photo.too_many_pixels"
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        assert _refusal(upload).reason_key == "photo.too_many_pixels"


# --- the refusal's message -----------------------------------------------------------------------


def test_a_refusal_names_the_file_as_the_user_knows_it_without_control_characters() -> None:
    text = b"not a picture"

    assert _refusal(text, "C:\\fakepath\\ảnh\u202e gpj.exe").values["name"] == "ảnh gpj.exe"
    assert _refusal(text, "photos/IMG_1.jpg\n").values["name"] == "IMG_1.jpg"
    assert _refusal(text, "x" * 500).values["name"] == "x" * 79 + "…"
    assert _refusal(text, None).values["name"] == "?"


@pytest.mark.parametrize(
    "refusal",
    [
        PhotoRefused("photo.not_image", name="a.jpg"),
        PhotoRefused("photo.too_big", name="a.jpg", limit=10),
        PhotoRefused("photo.too_many_pixels", name="a.jpg", limit=40),
        PhotoRefused("photo.broken", name="a.jpg"),
    ],
    ids=lambda r: r.reason_key,
)
def test_every_refusal_reads_in_vietnamese_and_english_naming_the_file(
    refusal: PhotoRefused,
) -> None:
    assert refusal.reason_key in CATALOG
    for lang in ("vi", "en"):
        message = t(refusal.reason_key, lang, **refusal.values)
        assert "“a.jpg”" in message and "{" not in message
        assert all(str(value) in message for value in refusal.values.values())


# --- on disk -------------------------------------------------------------------------------------


def _photo(colour: tuple[int, int, int] = RED) -> Photo:
    return accept(_encoded(Image.new("RGB", (640, 480), colour), "JPEG"), "p.jpg")


def test_a_stored_photo_and_its_thumbnail_are_named_by_their_sha256(photo_dir: Path) -> None:
    photo = _photo()

    store(photo)

    sha, thumb_sha = photo.sha256, photo.thumb_sha256
    assert path_of(sha, "image/jpeg") == photo_dir / sha[:2] / sha[2:4] / f"{sha}.jpg"
    assert path_of(sha, "image/jpeg").read_bytes() == photo.content
    assert path_of(thumb_sha, "image/jpeg").read_bytes() == photo.thumb
    files = sorted(p.relative_to(photo_dir).as_posix() for p in photo_dir.rglob("*") if p.is_file())
    assert files == sorted(
        f"{s[:2]}/{s[2:4]}/{s}.jpg" for s in (sha, thumb_sha)
    )  # no temporary file left


def test_a_png_photo_is_stored_as_png(photo_dir: Path) -> None:
    image = Image.new("RGBA", (50, 50), (0, 0, 0, 0))
    photo = accept(_encoded(image, "PNG"), "clear.png")

    store(photo)

    assert path_of(photo.sha256, "image/png").suffix == ".png"
    assert path_of(photo.sha256, "image/png").read_bytes() == photo.content


def test_storing_the_same_photo_again_changes_nothing(photo_dir: Path) -> None:
    photo = _photo()
    store(photo)
    path = path_of(photo.sha256, photo.mime)
    before = path.stat()

    store(photo)
    store(accept(_encoded(Image.new("RGB", (640, 480), RED), "JPEG"), "same-again.jpg"))

    assert path.stat().st_ino == before.st_ino and path.stat().st_mtime_ns == before.st_mtime_ns
    assert len([p for p in photo_dir.rglob("*") if p.is_file()]) == 2


def test_a_file_cut_short_on_disk_is_written_again(photo_dir: Path) -> None:
    photo = _photo()
    store(photo)
    path = path_of(photo.sha256, photo.mime)
    path.write_bytes(photo.content[:100])

    store(photo)

    assert path.read_bytes() == photo.content


def test_stored_files_are_readable_by_the_app_only(photo_dir: Path) -> None:
    photo = _photo()
    store(photo)

    assert path_of(photo.sha256, photo.mime).stat().st_mode & 0o077 == 0


def test_only_the_files_no_row_references_are_removed(photo_dir: Path) -> None:
    kept, dropped = _photo(RED), _photo(BLUE)
    store(kept)
    store(dropped)
    every_sha = [kept.sha256, kept.thumb_sha256, dropped.sha256, dropped.thumb_sha256]

    removed = remove_unreferenced(every_sha, referenced={kept.sha256, kept.thumb_sha256})

    assert sorted(removed) == sorted(
        [path_of(dropped.sha256, "image/jpeg"), path_of(dropped.thumb_sha256, "image/jpeg")]
    )
    assert path_of(kept.sha256, "image/jpeg").exists()
    assert path_of(kept.thumb_sha256, "image/jpeg").exists()
    assert not path_of(dropped.sha256, "image/jpeg").exists()
    assert remove_unreferenced(every_sha, referenced=set()) != []  # the kept ones go now
    assert remove_unreferenced(every_sha, referenced=set()) == []  # nothing left: no error
    assert not [p for p in photo_dir.rglob("*") if p.is_file()]


@pytest.mark.parametrize("sha", ["../../etc/passwd", "AB" * 32, "ab" * 31, "zz" * 32])
def test_a_path_is_only_made_of_a_sha256(sha: str) -> None:
    with pytest.raises(ValueError):
        path_of(sha, "image/jpeg")


def test_a_path_is_only_made_for_a_stored_type() -> None:
    with pytest.raises(ValueError):
        path_of("ab" * 32, "image/gif")


def test_the_photo_folder_defaults_to_the_checkouts_var_photos() -> None:
    if "CANTHO_PHOTO_DIR" in os.environ:
        pytest.skip("CANTHO_PHOTO_DIR is set for this run")
    assert get_settings().photo_dir == Path(photos.__file__).resolve().parents[2] / "var/photos"


def test_lock_keys_are_postgresql_bigints_one_per_sha256() -> None:
    keys = {photos.lock_key(hashlib.sha256(bytes([i])).hexdigest()) for i in range(256)}

    assert len(keys) == 256 and all(-(2**63) <= key < 2**63 for key in keys)
    assert min(keys) < 0 < max(keys)

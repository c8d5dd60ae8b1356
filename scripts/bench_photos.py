"""Time a citizen's photo through geodata/reports/photos.py: accepted (checked, decoded, turned
upright, stripped, re-encoded, thumbnailed) and stored.

Usage: .venv/bin/python scripts/bench_photos.py [ROUNDS]
The upload is what a phone sends: a 4000 × 3000 JPEG of about 4 MB (a smooth scene with sensor
noise, so it compresses like a photo), with the EXIF a phone writes (make, model, time, GPS);
once held landscape (orientation 1), once portrait (orientation 6, so it is turned). Each round's
upload differs by a few pixels, so each store writes new files, as distinct reports do; they go to
a temporary folder that is removed afterwards. Reports p50/p95 in ms. A measurement, not a test:
nothing here asserts a time (issue 12 asks for p95 ≤ 400 ms accepted, stripped and thumbnailed).
"""

from __future__ import annotations

import io
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np
from PIL import ExifTags, Image

WIDTH, HEIGHT = 4000, 3000
NOISE = 11  # standard deviation of the sensor noise, in 8-bit levels
QUALITY = 90  # with NOISE, about 4 MB


def scene() -> np.ndarray:
    """A smooth, colourful 12-megapixel picture with noise, as a phone's sensor gives."""
    y, x = np.mgrid[0:HEIGHT, 0:WIDTH].astype(np.float32)
    base = np.stack(
        [
            128 + 90 * np.sin(x / 300) * np.cos(y / 410),
            120 + 80 * np.sin((x + y) / 520),
            110 + 70 * np.cos(x / 170 - y / 260),
        ],
        axis=-1,
    )
    noise = np.random.default_rng(12).normal(0, NOISE, base.shape)
    return np.clip(base + noise, 0, 255).astype(np.uint8)


def phone_exif(orientation: int) -> Image.Exif:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PhoneMaker"
    exif[ExifTags.Base.Model] = "Model X"
    exif[ExifTags.Base.DateTime] = "2026:11:30 07:15:00"
    exif[ExifTags.Base.Orientation] = orientation
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (10.0, 2.0, 2.5)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (105.0, 47.0, 18.5)
    return exif


def upload(pixels: np.ndarray, orientation: int, round_no: int) -> bytes:
    pixels[:8, :8] = round_no % 256  # a different file (and stored photo) each round
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, "JPEG", quality=QUALITY, exif=phone_exif(orientation))
    return out.getvalue()


def pct(times: list[float], q: float) -> float:
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]


def line(name: str, times: list[float]) -> None:
    print(f"{name:44} p50 {statistics.median(times):7.1f} ms  p95 {pct(times, 0.95):7.1f} ms")


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 30
    with tempfile.TemporaryDirectory(prefix="bench-photos-") as folder:
        os.environ["CANTHO_PHOTO_DIR"] = folder
        from geodata.reports import photos
        from geodata.settings import get_settings

        get_settings.cache_clear()
        pixels = scene()
        photos.accept(upload(pixels, 1, 0), "warm-up.jpg")
        print(f"{rounds} rounds per orientation, photos stored under a temporary folder")
        for orientation, held in ((1, "landscape"), (6, "portrait, turned")):
            accepting, storing, total, sizes = [], [], [], []
            for round_no in range(1, rounds + 1):
                data = upload(pixels, orientation, round_no)
                sizes.append(len(data))
                start = time.perf_counter()
                photo = photos.accept(data, "IMG_0001.jpg")
                accepted = time.perf_counter()
                photos.store(photo)
                stored = time.perf_counter()
                accepting.append((accepted - start) * 1000)
                storing.append((stored - accepted) * 1000)
                total.append((stored - start) * 1000)
            print(
                f"{held}: upload {statistics.mean(sizes) / 1e6:.2f} MB {WIDTH}×{HEIGHT} → "
                f"stored {photo.size / 1e6:.2f} MB {photo.width}×{photo.height}, "
                f"thumbnail {len(photo.thumb) / 1e3:.1f} kB"
            )
            line("  accept (check, decode, strip, encode, thumb)", accepting)
            line("  store (photo + thumbnail, fsync)", storing)
            line("  accept + store", total)


if __name__ == "__main__":
    main()

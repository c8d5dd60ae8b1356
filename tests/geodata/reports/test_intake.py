"""A report and its photos stored together or not at all (geodata/reports/intake.py), against the
real PostGIS and a real folder: a refusal writes no row and no file, and a failure while the
files are written leaves no row and no orphan file, while another report's copy of the same
photo stays."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import text
from sqlalchemy.engine import Engine

from domain.clock import CITY_TZ
from geodata.reports import intake
from geodata.reports import photos as files
from geodata.reports.service import NewReport, ReportRefused
from geodata.settings import get_settings

NOW = dt.datetime(2026, 11, 27, 16, 0, tzinfo=CITY_TZ)
NINH_KIEU = (105.775, 10.03)


@pytest.fixture
def photo_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    folder = tmp_path / "photos"
    monkeypatch.setenv("CANTHO_PHOTO_DIR", str(folder))
    get_settings.cache_clear()
    yield folder
    monkeypatch.undo()
    get_settings.cache_clear()


def _photo(colour: tuple[int, int, int]) -> files.Photo:
    out = io.BytesIO()
    Image.new("RGB", (640, 480), colour).save(out, "JPEG")
    return files.accept(out.getvalue(), "anh.jpg")


def _new(**changes: object) -> NewReport:
    values: dict[str, object] = {"category": "waste", "lon": NINH_KIEU[0], "lat": NINH_KIEU[1]}
    return NewReport(**(values | changes))  # type: ignore[arg-type]


def _rows(engine: Engine) -> tuple[int, int]:
    with engine.connect() as conn:
        return tuple(  # type: ignore[return-value]
            conn.execute(
                text(
                    "SELECT (SELECT count(*) FROM citizen_report), "
                    "(SELECT count(*) FROM report_photo)"
                )
            ).one()
        )


def _files(folder: Path) -> set[str]:
    return {p.stem for p in folder.rglob("*") if p.is_file()}


def test_a_report_and_its_photos_are_stored_together(demo_db, photo_dir) -> None:
    before = _rows(demo_db)
    red, blue = _photo((200, 30, 30)), _photo((30, 30, 200))
    sent = intake.submit_with_photos(_new(), [red, blue], NOW, NOW.date())
    assert _rows(demo_db) == (before[0] + 1, before[1] + 2)
    assert _files(photo_dir) == {red.sha256, red.thumb_sha256, blue.sha256, blue.thumb_sha256}
    assert sent.code.startswith("PA-")


def test_a_refused_report_stores_no_row_and_no_file(demo_db, photo_dir) -> None:
    before = _rows(demo_db)
    with pytest.raises(ReportRefused, match="outside"):
        intake.submit_with_photos(
            _new(lon=106.7, lat=10.78), [_photo((200, 30, 30))], NOW, NOW.date()
        )
    assert _rows(demo_db) == before and _files(photo_dir) == set()


def test_a_failure_while_writing_files_leaves_no_orphan_but_keeps_another_report_s_photo(
    demo_db, photo_dir, monkeypatch: pytest.MonkeyPatch
) -> None:
    shared, fresh, failing = _photo((200, 30, 30)), _photo((30, 200, 30)), _photo((30, 30, 200))
    intake.submit_with_photos(_new(), [shared], NOW, NOW.date())
    before = _rows(demo_db)
    real_store = files.store

    def disk_full_on(photo: files.Photo) -> None:  # the disk fills up at the third photo
        if photo.sha256 == failing.sha256:
            raise OSError(28, "No space left on device")
        real_store(photo)

    monkeypatch.setattr(files, "store", disk_full_on)
    with pytest.raises(OSError, match="No space left"):
        intake.submit_with_photos(_new(), [fresh, shared, failing], NOW, NOW.date())

    assert _rows(demo_db) == before  # the report and its photo rows rolled back
    # The fresh photo written before the failure is gone; the shared one is the first report's.
    assert _files(photo_dir) == {shared.sha256, shared.thumb_sha256}

"""The photos' part of the repository (geodata/backup/files.py), on real folders: each photo is
copied once and only when its bytes match the SHA-256 in its name, and a restore leaves the
folder holding exactly the photos asked for, each checked again."""

from __future__ import annotations

import hashlib
from pathlib import Path

from geodata.backup import files


def _photo(folder: Path, content: bytes, extension: str = "jpg") -> str:
    sha = hashlib.sha256(content).hexdigest()
    relative = f"{sha[:2]}/{sha[2:4]}/{sha}.{extension}"
    (folder / relative).parent.mkdir(parents=True, exist_ok=True)
    (folder / relative).write_bytes(content)
    return relative


def _listed(folder: Path) -> set[str]:
    return set(files.stored_files(folder))


def test_a_sync_copies_each_photo_once_and_never_a_damaged_one(tmp_path: Path) -> None:
    photos, store = tmp_path / "photos", tmp_path / "store"
    good, other = _photo(photos, b"street one"), _photo(photos, b"street two", "png")
    damaged = _photo(photos, b"street three")
    (photos / damaged).write_bytes(b"bit rot")  # no longer what its name says
    (photos / good).with_name(".tmp-123.jpg").write_bytes(b"a write in progress")

    first = files.sync(photos, store)
    assert (first.files, first.copied, first.damaged) == (3, 2, [damaged])
    assert _listed(store) == {good, other}
    assert (store / good).read_bytes() == b"street one"
    again = files.sync(photos, store)
    assert (again.files, again.copied) == (3, 0)


def test_a_restore_leaves_exactly_the_photos_asked_for(tmp_path: Path) -> None:
    store, target = tmp_path / "store", tmp_path / "photos"
    kept = _photo(store, b"kept")
    _photo(target, b"kept")
    rotten = _photo(store, b"rotten in place")
    (target / rotten).parent.mkdir(parents=True, exist_ok=True)
    (target / rotten).write_bytes(b"rot")
    lost = _photo(store, b"only in the repository")
    later = _photo(target, b"added after the moment")
    never = _photo(tmp_path / "nowhere", b"never copied")
    broken = _photo(store, b"damaged in the repository")
    (store / broken).write_bytes(b"damage")

    done = files.restore([kept, rotten, lost, never, broken], store, target)
    assert _listed(target) == {kept, rotten, lost}
    assert (target / rotten).read_bytes() == b"rotten in place"
    assert (done.kept, done.copied, done.missing) == (1, 2, sorted([never, broken]))
    assert done.displaced == 1 and done.displaced_to is not None
    assert (done.displaced_to / later).read_bytes() == b"added after the moment"


def test_a_restore_into_a_new_folder_takes_sound_photos_from_the_live_one_first(
    tmp_path: Path,
) -> None:
    live, store, target = tmp_path / "live", tmp_path / "store", tmp_path / "new"
    newer = _photo(live, b"not yet copied to the repository")
    done = files.restore([newer], store, target, also_from=live)
    assert _listed(target) == {newer} and done.copied == 1 and not done.missing


def test_a_photo_of_a_report_sent_since_the_restored_server_opened_is_not_moved_aside(
    tmp_path: Path,
) -> None:
    store, target = tmp_path / "store", tmp_path / "photos"
    then = _photo(store, b"referenced at the moment")
    since = _photo(target, b"sent a second after the restore opened")
    done = files.restore([then], store, target, referenced_now=lambda: {then, since})
    assert _listed(target) == {then, since} and done.displaced == 0

"""``flask dialogue backup DIR --keep N``: a dated backup in the folder, the oldest dated
ones beyond N deleted, nothing else in the folder touched, and each kept file restorable."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from dialogue.backup import BACKUP_NAME, BackupError, backup_into_folder
from dialogue.extensions import db


def _dated(folder):
    return sorted(p.name for p in folder.iterdir() if BACKUP_NAME.fullmatch(p.name))


def test_keep_leaves_the_newest_n_and_nothing_else_is_touched(app, tmp_path):
    folder = tmp_path / "backups"
    folder.mkdir()
    (folder / "notes.txt").write_text("the operator's own file")
    (folder / "dialogue-by-hand.sqlite3").write_text("a copy kept by hand")
    start = datetime(2026, 11, 1, 2, 30, tzinfo=UTC)
    made = []
    for night in range(5):
        path, deleted = backup_into_folder(folder, keep=3, now=start + timedelta(days=night))
        made.append(path.name)
        assert path.stat().st_size > 0
        assert len(deleted) == (1 if night >= 3 else 0)  # one new in, the oldest out
    assert _dated(folder) == made[-3:]
    assert made[-1].startswith("dialogue-20261105T023000Z")
    assert (folder / "notes.txt").exists()
    assert (folder / "dialogue-by-hand.sqlite3").exists()
    assert not list(folder.glob("*.partial"))


def test_the_cli_writes_into_the_folder_and_prunes(app, runner, tmp_path):
    folder = tmp_path / "nightly"
    folder.mkdir()
    older = ["dialogue-20261101T023000Z.sqlite3", "dialogue-20261102T023000Z.sqlite3"]
    for name in older:
        (folder / name).write_bytes(b"an earlier night")
    result = runner.invoke(args=["dialogue", "backup", str(folder), "--keep", "2"])
    assert result.exit_code == 0, result.output
    kept = _dated(folder)
    assert len(kept) == 2
    assert kept[0] == older[1]
    assert kept[1] > older[1] and (folder / kept[1]).stat().st_size > 100
    assert f"Deleted the old backup {folder / older[0]}" in result.output


def test_the_cli_creates_a_missing_folder_with_keep(app, runner, tmp_path):
    folder = tmp_path / "new" / "backups"
    result = runner.invoke(args=["dialogue", "backup", str(folder), "--keep", "14"])
    assert result.exit_code == 0, result.output
    assert len(_dated(folder)) == 1


def test_a_kept_backup_restores(app, factory, runner, tmp_path):
    from dialogue.auth.models import User
    factory.user(name="Before the backup")
    db.session.commit()
    path, _ = backup_into_folder(tmp_path, keep=1)
    factory.user(name="After the backup")
    db.session.commit()
    result = runner.invoke(args=["dialogue", "restore", str(path), "--yes"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    names = {u.display_name for u in db.session.scalars(db.select(User))}
    assert "Before the backup" in names and "After the backup" not in names


def test_keep_below_one_is_refused_and_nothing_is_written(app, runner, tmp_path):
    with pytest.raises(BackupError, match="at least 1"):
        backup_into_folder(tmp_path, keep=0)
    result = runner.invoke(args=["dialogue", "backup", str(tmp_path), "--keep", "0"])
    assert result.exit_code != 0
    assert _dated(tmp_path) == []


def test_a_plain_file_destination_still_works(app, runner, tmp_path):
    result = runner.invoke(args=["dialogue", "backup", str(tmp_path / "one.backup")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "one.backup").stat().st_size > 0

"""Timestamped snapshots of a project's file, so an unwanted change can be undone days later.

Before ``project.json`` is replaced, the version on disk is kept as
``.snapshots/project-<UTC time it was saved>.json``: at most one a minute (autosave writes every
few seconds), the newest 20, and the last one of each of the past 7 days. Files in
``.snapshots/`` that carry a tag after the time (``project-…-before-v2.json``, the original of a
schema upgrade) are listed like the others but never pruned. Reverting (``revert``, which reads
a snapshot with the project loader) keeps the state it replaces as a snapshot too, so a revert can
itself be reverted.
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from studio.errors import ErrorCode, StudioError, io_error
from studio.fsutil import atomic_write

SNAPSHOT_DIR = ".snapshots"
PROJECT_FILE = "project.json"  # model.PROJECT_FILE; the model imports this module, not back
KEEP_RECENT = 20
KEEP_DAYS = 7
MIN_INTERVAL = timedelta(minutes=1)
_TIME_FORMAT = "%Y%m%dT%H%M%SZ"
_NAME = re.compile(r"^project-(\d{8}T\d{6}Z)(?:-(.+))?\.json$")


@dataclass(frozen=True)
class Snapshot:
    """One kept version of the project file."""

    path: Path
    saved: datetime  # when this version was saved (UTC)
    tag: str  # "" for the automatic ones, else e.g. "before-v2"; a number only tells twins apart

    @property
    def prunable(self) -> bool:
        return not self.tag or self.tag.isdigit()

    @property
    def label(self) -> str:
        """'Tue 25 Nov, 10:31:05' in local time, with its tag."""
        local = self.saved.astimezone().strftime("%a %d %b %Y, %H:%M:%S")
        return f"{local} ({self.tag})" if not self.prunable else local


def snapshot_dir(folder: Path) -> Path:
    return Path(folder) / SNAPSHOT_DIR


def list_snapshots(folder: Path) -> list[Snapshot]:
    """The project's snapshots, newest first."""
    found = []
    directory = snapshot_dir(folder)
    if not directory.is_dir():
        return []
    for path in directory.iterdir():
        match = _NAME.match(path.name)
        if match and path.is_file():
            saved = datetime.strptime(match.group(1), _TIME_FORMAT).replace(tzinfo=timezone.utc)
            found.append(Snapshot(path, saved, match.group(2) or ""))
    return sorted(found, key=lambda s: (s.saved, s.path.name), reverse=True)


def keep_current(folder: Path, force: bool = False, now: datetime | None = None) -> Path | None:
    """Keep the project file on disk as a snapshot before it is replaced; then prune.

    Skipped (None) when there is no file yet, or when a snapshot of a version saved less than a
    minute earlier exists, unless ``force`` (a revert keeps what it replaces, always).
    """
    file = Path(folder) / PROJECT_FILE
    try:
        data = file.read_bytes()
        saved = datetime.fromtimestamp(file.stat().st_mtime, timezone.utc).replace(microsecond=0)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise io_error("back up", file, exc) from exc
    automatic = [s for s in list_snapshots(folder) if s.prunable]
    if not force and automatic and saved - automatic[0].saved < MIN_INTERVAL:
        return None
    target = _free_name(folder, saved)
    atomic_write(target, data)
    prune(folder, now)
    return target


def prune(folder: Path, now: datetime | None = None) -> list[Path]:
    """Delete automatic snapshots beyond the newest 20 that are not the last of one of the past
    7 days. Tagged snapshots are never deleted."""
    now = now or datetime.now(timezone.utc)
    automatic = [s for s in list_snapshots(folder) if s.prunable]
    keep = {s.path for s in automatic[:KEEP_RECENT]}
    last_of_day: dict[object, Snapshot] = {}
    for snapshot in automatic:  # newest first: the first seen of a day is its last
        if now - snapshot.saved <= timedelta(days=KEEP_DAYS):
            last_of_day.setdefault(snapshot.saved.date(), snapshot)
    keep |= {s.path for s in last_of_day.values()}
    removed = []
    for snapshot in automatic:
        if snapshot.path not in keep:
            with contextlib.suppress(FileNotFoundError):
                snapshot.path.unlink()
            removed.append(snapshot.path)
    return removed


def find_snapshot(folder: Path, choice: str) -> Snapshot:
    """A snapshot by its number in ``list_snapshots`` (1 is the newest) or its file name."""
    snapshots = list_snapshots(folder)
    for number, snapshot in enumerate(snapshots, 1):
        if choice in (str(number), snapshot.path.name):
            return snapshot
    listing = f"narration-studio snapshots {folder}"
    if not snapshots:
        raise StudioError(ErrorCode.INVALID_INPUT, f"{folder} has no snapshots yet.")
    raise StudioError(
        ErrorCode.INVALID_INPUT,
        f"No snapshot '{choice}' in {snapshot_dir(folder)}.",
        f"Give a number or a file name from: {listing}",
    )


def _free_name(folder: Path, saved: datetime) -> Path:
    stamp = saved.strftime(_TIME_FORMAT)
    candidate = snapshot_dir(folder) / f"project-{stamp}.json"
    number = 1
    while candidate.exists():
        candidate = snapshot_dir(folder) / f"project-{stamp}-{number}.json"
        number += 1
    return candidate

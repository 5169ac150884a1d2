"""Going back to a snapshot: read it as a project, checked by the loader, and make it the
project's file again. Apart from ``snapshots`` because it needs the loader (``model``), which
itself keeps a snapshot at each save: this way neither imports the other."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from studio.errors import StudioError, io_error
from studio.fsutil import atomic_write
from studio.project.model import Project
from studio.project.snapshots import PROJECT_FILE, Snapshot, keep_current


def read_snapshot(folder: Path, snapshot: Snapshot) -> Project:
    """The project as the snapshot holds it, checked (and upgraded) by the project loader, which
    reads a folder: the snapshot is copied into a scratch one for it."""
    with tempfile.TemporaryDirectory(prefix="narration-studio-revert-") as scratch:
        try:
            shutil.copyfile(snapshot.path, Path(scratch) / PROJECT_FILE)
        except OSError as exc:
            raise io_error("read", snapshot.path, exc) from exc
        try:
            loaded = Project.load(Path(scratch))
        except StudioError as exc:
            raise StudioError(
                exc.code,
                f"The snapshot {snapshot.path.name} cannot be used: "
                + exc.message.replace(str(Path(scratch) / PROJECT_FILE), "it"),
                "Choose another snapshot.",
            ) from exc
    loaded.folder = Path(folder)
    return loaded


def revert(folder: Path, snapshot: Snapshot) -> Path | None:
    """Make the snapshot the project's file again, byte for byte, once the loader has checked
    it. The file it replaces (even a damaged one) is kept as a snapshot, whose path is returned."""
    read_snapshot(folder, snapshot)
    kept = keep_current(folder, force=True)
    try:
        data = snapshot.path.read_bytes()
    except OSError as exc:
        raise io_error("read", snapshot.path, exc) from exc
    atomic_write(Path(folder) / PROJECT_FILE, data)
    return kept

"""The wheel ``pip install narration-studio`` gets: every module of the source tree is in it.

The package list in pyproject.toml is written by hand (resources/ installs as studio.resources),
so a new subpackage left off it would install fine in an editable checkout and break for
everyone installing the wheel.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_wheel_holds_every_module_of_the_source_tree(tmp_path: Path) -> None:
    source = tmp_path / "source"  # a copy: a checkout's build/ would fill the wheel with old files
    source.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(ROOT / name, source)
    for folder in ("studio", "resources"):
        shutil.copytree(
            ROOT / folder, source / folder, ignore=shutil.ignore_patterns("__pycache__")
        )
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (wheel,) = tmp_path.glob("narration_studio-*.whl")
    packed = set(zipfile.ZipFile(wheel).namelist())
    sources = {
        path.relative_to(ROOT).as_posix()
        for path in (ROOT / "studio").rglob("*.py")
        if "__pycache__" not in path.parts
    }
    assert sources - packed == set()
    assert "studio/resources/icon.svg" in packed

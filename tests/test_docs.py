"""The docs: the mkdocs site in docs/ builds with --strict (no broken link, anchor or nav entry),
and README.md stays short and links only to files that exist."""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
README = REPO / "README.md"
README_MAX_LINES = 200

# [text](target) and ![alt](target); the target ends at whitespace or the closing parenthesis.
LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$")
EXTERNAL = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")  # https:, mailto:, …


def require_mkdocs() -> None:
    if importlib.util.find_spec("mkdocs") is None or importlib.util.find_spec("material") is None:
        pytest.fail(
            f"mkdocs-material is not installed in {sys.executable}: the docs site cannot be "
            "checked. Install the docs extra: pip install -e '.[docs]'.",
            pytrace=False,
        )


def test_the_docs_site_builds_strictly(tmp_path: Path) -> None:
    require_mkdocs()
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "mkdocs",
            "build",
            "--strict",
            "--config-file",
            str(REPO / "mkdocs.yml"),
            "--site-dir",
            str(tmp_path / "site"),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, (
        f"mkdocs build --strict failed (exit {result.returncode}):\n{result.stdout}{result.stderr}"
    )
    assert (tmp_path / "site" / "index.html").is_file()


def test_the_readme_is_short() -> None:
    lines = README.read_text(encoding="utf-8").splitlines()
    assert len(lines) <= README_MAX_LINES, (
        f"README.md has {len(lines)} lines (at most {README_MAX_LINES}): "
        "move the details into a page of docs/ and link to it"
    )


def test_every_relative_link_in_the_readme_points_at_a_file() -> None:
    links = relative_links(README.read_text(encoding="utf-8"))
    assert links, "README.md links to no docs page"
    broken = []
    for target in links:
        path_part, _, anchor = target.partition("#")
        path = (README.parent / path_part).resolve() if path_part else README
        if not path.exists():
            broken.append(f"{target}: {os.path.relpath(path, REPO)} does not exist")
        elif anchor and path.suffix == ".md" and anchor not in anchors(path):
            broken.append(f"{target}: {os.path.relpath(path, REPO)} has no heading #{anchor}")
    assert not broken, "README.md has broken links:\n" + "\n".join(broken)


def relative_links(markdown: str) -> list[str]:
    """The link targets of markdown outside code (fenced and indented blocks, inline spans)."""
    targets: list[str] = []
    fenced = False
    previous_blank = True
    in_indented = False
    for line in markdown.splitlines():
        if line.lstrip().startswith(("```", "~~~")):
            fenced = not fenced
            continue
        if fenced:
            continue
        blank = not line.strip()
        in_indented = (line.startswith(("    ", "\t")) and (previous_blank or in_indented)) or (
            blank and in_indented
        )
        previous_blank = blank
        if in_indented:
            continue
        text = re.sub(r"`[^`]*`", "", line)
        targets += [t for t in LINK.findall(text) if not EXTERNAL.match(t)]
    return targets


def anchors(page: Path) -> set[str]:
    """The ids GitHub and mkdocs give the page's headings (the same for plain headings)."""
    ids: set[str] = set()
    fenced = False
    for line in page.read_text(encoding="utf-8").splitlines():
        if line.lstrip().startswith(("```", "~~~")):
            fenced = not fenced
            continue
        match = None if fenced else HEADING.match(line)
        if match:
            text = re.sub(r"[`*_]|\[([^\]]*)\]\([^)]*\)", r"\1", match.group(1)).lower()
            ids.add(re.sub(r"\s+", "-", re.sub(r"[^\w\s-]", "", text).strip()))
    return ids

"""``narration-studio new``, ``snapshots`` and ``revert``: start a project, list its earlier
versions, go back to one."""

from __future__ import annotations

from pathlib import Path

import click

from studio.cli.common import lock_project, reports_errors
from studio.errors import ErrorCode, StudioError


@click.command()
@click.argument("project_dir", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--from",
    "script",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A .txt or .md script (scenes split at blank lines and headings), or an .epub book "
    "(a scene per chapter).",
)
@click.option("--title", default=None, help="Project title (default: the book's or the folder's).")
@click.option("--author", default=None, help="The book's author: the files' artist tag.")
@click.option("--narrator", default="", help="Who narrates it: the files' narrator tag.")
@click.option("--voice", default="af_heart", show_default=True, help="Default voice for scenes.")
@reports_errors
def new(
    project_dir: Path,
    script: Path | None,
    title: str | None,
    author: str | None,
    narrator: str,
    voice: str,
) -> None:
    """Create a project in PROJECT_DIR, optionally from a script or an EPUB book."""
    from studio.project.model import Project
    from studio.project.script_import import scenes_from_script

    scenes = []
    if script is not None and script.suffix.lower() == ".epub":
        from studio.project.epub_import import read_epub

        book = read_epub(script)
        scenes, title = book.scenes, title or book.title or None
        author = author if author is not None else book.author
        narrator = narrator or book.narrator
    elif script is not None:
        try:
            scenes = scenes_from_script(script.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as exc:
            raise StudioError(
                ErrorCode.INVALID_INPUT,
                f"Could not read {script}: {exc}.",
                "Save the script as UTF-8 text.",
            ) from exc
    project = Project.create(
        project_dir, title, scenes, voice, author=author or "", narrator=narrator
    )
    click.echo(f"Created {project.file} with {len(project.scenes)} scene(s).")


@click.command()
@click.argument("project_dir", type=click.Path(file_okay=False, path_type=Path))
@reports_errors
def snapshots(project_dir: Path) -> None:
    """List the earlier versions of PROJECT_DIR's project file, newest first."""
    from studio.project.snapshots import list_snapshots

    found = list_snapshots(project_dir)
    if not found:
        click.echo(f"{project_dir} has no snapshots yet (one is kept when a save replaces a file).")
        return
    click.echo(f"Snapshots of {project_dir}, newest first:")
    for number, snapshot in enumerate(found, 1):
        click.echo(
            f"{number:>4}  {snapshot.label:<34} {_scene_count(snapshot.path):<10} {snapshot.path.name}"
        )
    click.echo(f"Restore one with: narration-studio revert {project_dir} NUMBER")


@click.command()
@click.argument("project_dir", type=click.Path(file_okay=False, path_type=Path))
@click.argument("snapshot")
@reports_errors
def revert(project_dir: Path, snapshot: str) -> None:
    """Make SNAPSHOT (a number from `snapshots`, or a file name) PROJECT_DIR's project file again.

    The version it replaces is kept as a snapshot, so a revert can be reverted."""
    from studio.project.revert import revert as revert_to
    from studio.project.snapshots import find_snapshot

    chosen = find_snapshot(project_dir, snapshot)
    with lock_project(project_dir, "narration-studio revert"):
        replaced = revert_to(project_dir, chosen)
    click.echo(f"{project_dir} is back to {chosen.label}.")
    if replaced is not None:
        click.echo(f"The version it replaced was kept as {replaced.name}.")


def _scene_count(path: Path) -> str:
    import json

    try:
        count = len(json.loads(path.read_text(encoding="utf-8"))["scenes"])
    except (OSError, ValueError, KeyError, TypeError):
        return "unreadable"
    return "1 scene" if count == 1 else f"{count} scenes"

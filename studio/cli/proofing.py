"""``narration-studio check``: the pronunciation review of a project, before it is voiced.

    narration-studio check PROJECT [--json]
    narration-studio check PROJECT --reviewed WORD [--reviewed WORD ...]

Lists the words to listen to (see studio.proofing.review) and the speaker labels the cast does
not know. ``--reviewed`` keeps a word's current reading as heard and accepted, in the project;
it is listed as reviewed until its reading changes. The list never fails an export: it tells
the narrator where to listen.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from studio.cli.common import lock_project, reports_errors
from studio.cli.direction import personal_lexicon
from studio.errors import ErrorCode, StudioError

_HEADINGS = {
    "guessed": "Guessed: in no dictionary nor lexicon, read by rules",
    "heteronym": "Read one of two ways: the reading chosen here",
    "number": "Numbers and times: as they will be read",
    "abbreviation": "Abbreviations and units: as they will be read",
    "symbol": "Symbols: as they will be read",
}


@click.command()
@click.argument("project_dir", type=click.Path(file_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the review as JSON.")
@click.option(
    "--reviewed",
    "words",
    multiple=True,
    metavar="WORD",
    help="Mark WORD's current reading as heard and accepted (repeat for more words).",
)
@reports_errors
def check(project_dir: Path, as_json: bool, words: tuple[str, ...]) -> None:
    """List the words of PROJECT_DIR worth listening to before it is voiced: words the model
    guesses, words read two ways, and numbers, abbreviations and symbols as they will be read.
    No audio is made."""
    from studio.project.model import Project
    from studio.proofing.review import review_project

    project = Project.load(project_dir)
    review = review_project(project, personal_lexicon())
    if words:
        project = _mark_reviewed(project_dir, review, words)
        for entry in review.entries:  # the marks, without reading the whole project again
            entry.reviewed = project.is_reviewed(entry.word, entry.reading)
    if as_json:
        click.echo(json.dumps(review.to_json(), indent=2, ensure_ascii=False))
        return
    _print(project, review)


def _mark_reviewed(project_dir: Path, review: Any, words: tuple[str, ...]) -> Any:
    """Keep each word's reading in the review as reviewed; the project as saved."""
    from studio.project.model import Project

    readings = {entry.word.casefold(): entry.reading for entry in review.entries}
    missing = [word for word in words if word.casefold() not in readings]
    if missing:
        raise StudioError(
            ErrorCode.INVALID_INPUT,
            f"Not in the review: {', '.join(repr(w) for w in missing)}.",
            "Mark a word the review lists: narration-studio check PROJECT shows them.",
        )
    with lock_project(project_dir, "narration-studio check --reviewed"):
        project = Project.load(project_dir)
        for word in words:
            project.reviewed[word.casefold()] = readings[word.casefold()]
        project.save()
    return project


def _print(project: Any, review: Any) -> None:
    numbers = {scene.id: number for number, scene in enumerate(project.scenes, 1)}

    def where(scene_ids: list[str]) -> str:
        shown = ", ".join(str(numbers[sid]) for sid in scene_ids[:6])
        more = f" and {len(scene_ids) - 6} more" if len(scene_ids) > 6 else ""
        return f"scene{'s' if len(scene_ids) > 1 else ''} {shown}{more}"

    for kind, heading in _HEADINGS.items():
        entries = [e for e in review.entries if e.kind == kind]
        if not entries:
            continue
        click.echo(f"{heading} ({len(entries)}):")
        width = max(len(e.word) for e in entries)
        for e in entries:
            mark = "  reviewed" if e.reviewed else ""
            click.echo(
                f"  {e.word:<{width}}  {e.respelling:<18} /{e.reading}/  "
                f"×{e.count}, {where(e.scenes)}{mark}"
            )
        click.echo("")
    for label in review.labels:
        click.echo(
            f"Speaker label '{label.label}:' is not in the cast, so it is not spoken "
            f"(×{label.count}, {where(label.scenes)}). Cast it with: narration-studio cast set "
            f"{project.folder} {label.label} VOICE"
        )
    for scene_id, why in review.problems.items():
        click.echo(f"Scene {numbers[scene_id]} could not be reviewed: {why}")
    unreviewed = sum(1 for e in review.entries if not e.reviewed)
    click.echo(
        f"{len(review.entries)} of {review.distinct_words} distinct words to listen to "
        f"({unreviewed} not yet reviewed)."
    )

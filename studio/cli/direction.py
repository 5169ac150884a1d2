"""The ``lexicon`` and ``cast`` verbs of the command line, and the direction of ``say``.

    narration-studio lexicon add PROJECT WORD (--say TEXT | --ipa PHONEMES) [--case-sensitive]
    narration-studio lexicon list PROJECT
    narration-studio lexicon remove PROJECT WORD
    narration-studio lexicon import PROJECT FILE.pls
    narration-studio lexicon export PROJECT FILE.pls
    narration-studio cast set PROJECT NAME VOICE
    narration-studio cast list PROJECT
    narration-studio cast dialogue PROJECT (VOICE | --off) [--scene ID]

Every change checks everything first and saves the project once, atomically: a refused entry,
file or voice changes nothing. A change takes the project's lock, as ``render`` does, so it is
refused while the studio has the project open (the studio would write over it).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from studio.cli.common import lock_project, make_engine, reports_errors
from studio.errors import ErrorCode, StudioError

_PROJECT = click.Path(file_okay=False, path_type=Path)


def personal_lexicon() -> Any:
    """The user's personal lexicon (beside the settings file)."""
    from studio.direction.lexicon import load_personal, personal_lexicon_path
    from studio.settings import default_settings_path

    return load_personal(personal_lexicon_path(default_settings_path()))


def say_direction(engine: Any, lexicon_file: Path | None) -> Any:
    """``say``'s direction: the --lexicon file's entries over the personal lexicon's."""
    from studio.direction.lexicon import Lexicon, merged
    from studio.direction.plan import Direction
    from studio.direction.pls import read_pls

    given = Lexicon()
    if lexicon_file is not None:
        given.add_checked(read_pls(lexicon_file), engine.phoneme_symbols())
    return Direction.of(merged(given, personal_lexicon()))


@click.group()
def lexicon() -> None:
    """A project's pronunciation lexicon: how names and terms are read."""


@lexicon.command("add")
@click.argument("project_dir", type=_PROJECT)
@click.argument("word")
@click.option("--say", "say_text", metavar="TEXT", help="A respelling, e.g. 'wuster'.")
@click.option("--ipa", metavar="PHONEMES", help="Phonemes in the model's notation: 'wˈʊstəɹ'.")
@click.option("--case-sensitive", is_flag=True, help="Match only this exact capitalization.")
@click.pass_context
@reports_errors
def lexicon_add(
    ctx: click.Context,
    project_dir: Path,
    word: str,
    say_text: str | None,
    ipa: str | None,
    case_sensitive: bool,
) -> None:
    """Say WORD (or a phrase) as TEXT sounds, or with PHONEMES, in every voice of the project's
    language."""
    from studio.direction.lexicon import LexiconEntry, language_of_voice
    from studio.project.model import Project
    from studio.speech.voices import parse_voice

    if (say_text is None) == (ipa is None):
        raise StudioError(
            ErrorCode.INVALID_INPUT,
            "Give exactly one of --say TEXT and --ipa PHONEMES.",
            "For example: narration-studio lexicon add FILM Worcester --say wuster",
        )
    with lock_project(project_dir, "narration-studio lexicon add"):
        project = Project.load(project_dir)
        language = language_of_voice(parse_voice(project.default_voice).lang)
        entry = LexiconEntry(word, say_text, ipa, case_sensitive, language)
        symbols = make_engine(**ctx.obj).phoneme_symbols() if ipa is not None else None
        replaced = project.lexicon.add_checked([entry], symbols)
        project.save()
    verb = "Replaced" if replaced else "Added"
    click.echo(f"{verb} {_describe(entry)}")


@lexicon.command("list")
@click.argument("project_dir", type=_PROJECT)
@reports_errors
def lexicon_list(project_dir: Path) -> None:
    """List the project's entries."""
    from studio.project.model import Project

    project = Project.load(project_dir)
    for entry in project.lexicon:
        click.echo(_describe(entry))
    if not len(project.lexicon):
        click.echo("The lexicon is empty. Add a word with: narration-studio lexicon add …")


@lexicon.command("remove")
@click.argument("project_dir", type=_PROJECT)
@click.argument("word")
@reports_errors
def lexicon_remove(project_dir: Path, word: str) -> None:
    """Remove WORD's entries."""
    from studio.errors import did_you_mean
    from studio.project.model import Project

    with lock_project(project_dir, "narration-studio lexicon remove"):
        project = Project.load(project_dir)
        removed = project.lexicon.remove(word)
        if not removed:
            words = [e.word for e in project.lexicon]
            raise StudioError(
                ErrorCode.INVALID_INPUT,
                f"'{word}' is not in the lexicon.{did_you_mean(word, words)}",
                "See the entries with: narration-studio lexicon list PROJECT",
            )
        project.save()
    for entry in removed:
        click.echo(f"Removed {_describe(entry)}")


@lexicon.command("import")
@click.argument("project_dir", type=_PROJECT)
@click.argument("pls_file", type=click.Path(dir_okay=False, path_type=Path))
@click.pass_context
@reports_errors
def lexicon_import(ctx: click.Context, project_dir: Path, pls_file: Path) -> None:
    """Add the entries of a PLS file (W3C PLS 1.0); entries for the same words are replaced."""
    from studio.direction.pls import read_pls
    from studio.project.model import Project

    with lock_project(project_dir, "narration-studio lexicon import"):
        project = Project.load(project_dir)
        entries = read_pls(pls_file)
        symbols = make_engine(**ctx.obj).phoneme_symbols() if any(e.ipa for e in entries) else None
        replaced = project.lexicon.add_checked(entries, symbols)
        project.save()
    click.echo(
        f"Imported {len(entries)} entries from {pls_file} ({len(replaced)} replaced existing ones)."
    )


@lexicon.command("export")
@click.argument("project_dir", type=_PROJECT)
@click.argument("pls_file", type=click.Path(dir_okay=False, path_type=Path))
@reports_errors
def lexicon_export(project_dir: Path, pls_file: Path) -> None:
    """Write the project's entries to a PLS file (W3C PLS 1.0)."""
    from studio.direction.pls import write_pls
    from studio.project.model import Project

    project = Project.load(project_dir)
    write_pls(list(project.lexicon), pls_file)
    click.echo(f"Exported {len(project.lexicon)} entries to {pls_file}.")


def _describe(entry: Any) -> str:
    kind = "--say" if entry.say is not None else "--ipa"
    flags = " (case-sensitive)" if entry.case_sensitive else ""
    language = f" [{entry.language}]" if entry.language != "en" else ""
    return f"{entry.word}  {kind} {entry.pronunciation}{flags}{language}"


@click.group()
def cast() -> None:
    """A project's cast: who speaks the lines that start with 'NAME:'."""


@cast.command("set")
@click.argument("project_dir", type=_PROJECT)
@click.argument("name")
@click.argument("voice")
@reports_errors
def cast_set(project_dir: Path, name: str, voice: str) -> None:
    """Voice NAME's lines with VOICE (a voice id, profile or blend)."""
    from studio.project.model import Project

    with lock_project(project_dir, "narration-studio cast set"):
        project = Project.load(project_dir)
        project.cast.set(name, voice)
        project.save()
    clean = project.cast.name_of(name)
    click.echo(f"{clean}: {project.cast.members[clean or name]}")


@cast.command("dialogue")
@click.argument("project_dir", type=_PROJECT)
@click.argument("voice", required=False)
@click.option("--off", is_flag=True, help="Read quoted speech as narration again.")
@click.option(
    "--scene", "scene_id", metavar="ID", help="Only this scene (overrides the project's)."
)
@reports_errors
def cast_dialogue(project_dir: Path, voice: str | None, off: bool, scene_id: str | None) -> None:
    """Read text in quotation marks (“…”, "…", «…», „…“, ‘…’) with VOICE, and the narration
    around it in the scene's voice. NAME: lines keep their cast voice."""
    from studio.project.model import Project
    from studio.speech.voices import parse_voice

    if off == (voice is not None):
        raise StudioError(
            ErrorCode.INVALID_INPUT,
            "Give a VOICE, or --off.",
            "For example: narration-studio cast dialogue BOOK am_michael",
        )
    if voice is not None:
        parse_voice(voice)
    with lock_project(project_dir, "narration-studio cast dialogue"):
        project = Project.load(project_dir)
        if scene_id is not None:
            project.scene(scene_id).dialogue_voice = voice or ""
        else:
            project.dialogue_voice = voice or ""
        project.save()
    where = f"Scene {scene_id}" if scene_id else "Quoted speech"
    click.echo(f"{where}: {voice or 'read as narration'}")


@cast.command("list")
@click.argument("project_dir", type=_PROJECT)
@reports_errors
def cast_list(project_dir: Path) -> None:
    """List the cast and their voices."""
    from studio.project.model import Project

    project = Project.load(project_dir)
    for name, voice in project.cast.members.items():
        click.echo(f"{name}: {voice or '(no voice: set one with narration-studio cast set)'}")
    if project.dialogue_voice:
        click.echo(f"Quoted speech: {project.dialogue_voice}")
    if not len(project.cast):
        click.echo(
            "The cast is empty. Add a speaker with: narration-studio cast set PROJECT NAME VOICE"
        )

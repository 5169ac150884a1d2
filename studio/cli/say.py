"""``narration-studio say`` speaks a line into an MP3; ``voices`` lists who can speak it."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from studio.cli.common import leave_now, make_speech_engine, reports_errors


@click.command()
@click.argument("text")
@click.option(
    "-v",
    "--voice",
    default="af_heart",
    show_default=True,
    help="Voice id, profile (sarah, james, …) or blend 'af_bella:60,af_sky:40'.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="MP3 file to write.",
)
@click.option("-s", "--speed", type=float, default=1.0, show_default=True, help="0.5 to 2.0.")
@click.option(
    "--lexicon",
    "lexicon_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="A PLS pronunciation lexicon (W3C PLS 1.0) for this line, over the personal one.",
)
@click.pass_context
@reports_errors
def say(
    ctx: click.Context,
    text: str,
    voice: str,
    output: Path,
    speed: float,
    lexicon_file: Path | None,
) -> None:
    """Speak TEXT into an MP3 file ('-' reads the text from stdin)."""
    from studio.cli.direction import say_direction
    from studio.engine.request import SpeechRequest
    from studio.render.single import render_text_to_mp3

    if text == "-":
        text = sys.stdin.read()
    engine = make_speech_engine(ctx, one_shot=True)
    direction = say_direction(engine, lexicon_file)
    duration, size = render_text_to_mp3(
        engine, SpeechRequest(text, voice, speed, direction), output
    )
    click.echo(f"{output}: {duration:.2f} s, {size} bytes")
    leave_now(ctx)


@click.command()
@click.option("--lang", "lang", default=None, help="Only this language (code like 'a' or a name).")
@reports_errors
def voices(lang: str | None) -> None:
    """List the voices, best first, and the named profiles."""
    from studio.speech.voices import PROFILES, list_voices

    for voice in list_voices(lang):
        click.echo(f"{voice.id:<15} {voice.language:<21} {voice.gender:<7} {voice.grade or '-':<3}")
    if lang is None:
        click.echo("\nProfiles: " + ", ".join(f"{n} = {v}" for n, v in PROFILES.items()))

"""The ``narration-studio`` command: render projects, speak text, list voices, start projects.

Exit codes follow the error codes (see ``studio.errors.EXIT_CODES``); messages go to stderr.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Any

import click

from studio import __version__
from studio.cli.common import (
    SERVER_KEY,
    lock_project,
    make_engine,
    make_speech_engine,
    reports_errors,
    stderr_console,
)
from studio.errors import ErrorCode, StudioError


@click.group(invoke_without_command=True)
@click.option(
    "--model-dir",
    type=click.Path(file_okay=False),
    envvar="NARRATION_STUDIO_MODEL_DIR",
    help="Local Kokoro model folder (config.json, kokoro-v1_0.pth, voices/). "
    "With it, nothing touches the network.",
)
@click.option(
    "--backend",
    type=click.Choice(["auto", "torch", "onnx"], case_sensitive=False),
    envvar="NARRATION_STUDIO_BACKEND",
    help="How to run the model: auto (default: the faster of the two on this machine), torch, "
    "or onnx (onnxruntime, Kokoro's int8 ONNX export).",
)
@click.option(
    "--onnx-model",
    type=click.Path(dir_okay=False),
    envvar="NARRATION_STUDIO_ONNX_MODEL",
    help="The .onnx file for --backend onnx (default: kokoro-v1.0.onnx or "
    "kokoro-v1.0.int8.onnx in the model folder).",
)
@click.option(
    "--precision",
    type=click.Choice(["auto", "fp32", "bf16"], case_sensitive=False),
    envvar="NARRATION_STUDIO_PRECISION",
    help="Torch on the CPU: auto (default: bf16 where the CPU has it natively, else fp32), "
    "fp32 or bf16.",
)
@click.option(
    "--server",
    metavar="URL",
    help="Render and speak on this HTTP server (narration-studio serve --http) instead of the "
    "local model; 'local' overrides the setting. Default: $NARRATION_STUDIO_SERVER, the setting.",
)
@click.option(
    "--server-token",
    metavar="TOKEN",
    help="The server's token (default: $NARRATION_STUDIO_TOKEN, the setting server_token).",
)
@click.option("-v", "--verbose", is_flag=True, help="Log engine details to stderr.")
@click.option(
    "--self-test",
    is_flag=True,
    help="Check the installation: voice one sentence to MP3 in a temporary folder, print the "
    "figures and exit (0 when it works).",
)
@click.version_option(__version__, prog_name="narration-studio")
@click.pass_context
def cli(
    ctx: click.Context,
    model_dir: str | None,
    backend: str | None,
    onnx_model: str | None,
    precision: str | None,
    server: str | None,
    server_token: str | None,
    verbose: bool,
    self_test: bool,
) -> None:
    """Narration Studio: turn scripts into narrated MP3s with the Kokoro-82M voice model."""
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="[%(levelname)s] %(message)s",
        stream=sys.stderr,
    )
    ctx.obj = {
        "model_dir": model_dir,
        "backend": backend,
        "onnx_model": onnx_model,
        "precision": precision,
    }
    ctx.meta[SERVER_KEY] = (server, server_token)
    if self_test:
        _self_test(ctx.obj)
        ctx.exit(0)
    if ctx.invoked_subcommand is None:
        run_studio(ctx.obj, server)


@reports_errors
def _self_test(engine_options: dict[str, Any]) -> None:
    from studio.cli.selftest import run_self_test

    click.echo(run_self_test(make_engine(**engine_options)).summary())


@cli.command()
@click.argument("project_dir", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--scene",
    "scene_ids",
    multiple=True,
    metavar="ID",
    help="Render only this scene (repeatable). Default: all.",
)
@click.option("--force", is_flag=True, help="Re-render even scenes whose audio is up to date.")
@click.option(
    "--preset",
    metavar="NAME",
    help="Loudness: none, video, podcast, broadcast or acx (default: the project's, else none).",
)
@click.option(
    "--captions/--no-captions",
    default=None,
    help="Write NN-title.srt and .vtt beside each scene file (and the joined file).",
)
@click.option(
    "--join/--no-join",
    default=None,
    help="Also write the whole project as one file with a chapter per scene.",
)
@click.option("--m4b/--no-m4b", default=None, help="With --join: an M4B audiobook too.")
@click.option("--format", "fmt", metavar="FORMAT", help="mp3 (default), wav or flac.")
@click.option(
    "--bitrate", type=int, metavar="KBPS", help="MP3 bitrate: 128 (default), 192, 256 or 320."
)
@click.option(
    "--cluster",
    metavar="ADDRESS",
    help="Voice the scenes on a Ray cluster: ray://host:10001, auto (the cluster this machine "
    "belongs to) or local:N (start one here with N workers). Files are written here, the same "
    "as a local render. Needs: pip install 'narration-studio[cluster]'.",
)
@click.option(
    "--workers",
    type=click.IntRange(1, 4096),
    help="With --cluster: how many workers voice scenes (each loads the model once). "
    "Default: one per CPU of the cluster.",
)
@click.pass_context
@reports_errors
def render(
    ctx: click.Context,
    project_dir: Path,
    scene_ids: tuple[str, ...],
    force: bool,
    preset: str | None,
    captions: bool | None,
    join: bool | None,
    m4b: bool | None,
    fmt: str | None,
    bitrate: int | None,
    cluster: str | None,
    workers: int | None,
) -> None:
    """Export one file per scene into PROJECT_DIR/audio/, skipping unchanged scenes.

    The project's export settings (set in the studio's export dialog) apply; the options here
    override them for this export only. Scenes that cannot be voiced are named before rendering
    starts; the others are exported, and the exit code is that of the first failure. With
    --cluster, workers on a Ray cluster voice the scenes in parallel; Ctrl-C ends them.
    """
    from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn
    from rich.text import Text

    from studio.cli.direction import personal_lexicon
    from studio.project.model import Project
    from studio.render.export import (
        FileRemoved,
        SceneDone,
        SceneFailed,
        SceneProgress,
        ScenesChecked,
        SceneStarted,
        render_project,
    )
    from studio.render.extras import JoinedWritten, ReportWritten

    project = Project.load(project_dir)
    if scene_ids and join is None:  # the project's joined file needs every scene: not this time
        join, m4b = False, False
    settings = project.export.with_overrides(
        preset=preset, captions=captions, join=join, m4b=m4b, format=fmt, bitrate=bitrate
    )
    lock = lock_project(project_dir, "narration-studio render")
    ctx.call_on_close(lock.release)
    console = stderr_console()
    voicer = None
    if workers is not None and cluster is None:
        raise StudioError(
            ErrorCode.INVALID_INPUT,
            "--workers is the number of workers on a cluster, and no --cluster was given.",
            "Add --cluster ADDRESS (or local:N), or leave out --workers.",
        )
    if cluster is not None:
        engine, voicer = _cluster_voicer(ctx, cluster, workers)
        console.print(f"Voicing on the Ray cluster at {cluster} ({voicer.size} workers at most)")
    else:
        engine = make_speech_engine(ctx)
    personal = personal_lexicon()
    counts = {"rendered": 0, "cached": 0, "renamed": 0}
    failures: list[StudioError] = []
    columns = (
        TextColumn("{task.description}", markup=False),  # scene titles are the user's text
        BarColumn(),
        TaskProgressColumn(),
        TimeElapsedColumn(),
    )
    events = render_project(
        project,
        engine,
        list(scene_ids) or None,
        force,
        personal=personal,
        settings=settings,
        keep_going=True,
        voicer=voicer,
    )
    with Progress(*columns, console=console, transient=False) as progress:
        overall = progress.add_task("Scenes", total=len(scene_ids) or len(project.scenes))
        current = None
        for event in events:
            if isinstance(event, SceneStarted):
                label = (event.scene.title or event.scene.id)[:40]
                current = progress.add_task(f"  {label}", total=len(event.scene.text.strip()))
            elif isinstance(event, SceneProgress) and current is not None:
                progress.update(current, completed=event.done_chars)
            elif isinstance(event, SceneDone):
                counts[event.status] += 1
                if current is not None:
                    progress.update(
                        current,
                        completed=len(event.scene.text.strip()),
                        description=f"  {event.file.name} ({_done_figures(event)})",
                    )
                progress.advance(overall)
            elif isinstance(event, FileRemoved):
                console.print(f"Removed {event.file.name} (its scene was deleted)")
            elif isinstance(event, ReportWritten):
                verdict = "passes" if event.passed else "FAILS"
                console.print(f"ACX check: {verdict} — {event.path} (and .txt)")
            elif isinstance(event, JoinedWritten):
                state = "unchanged" if event.unchanged else "written"
                names = ", ".join(f.name for f in event.files)
                console.print(f"Joined ({state}, {len(event.chapters)} chapters): {names}")
            elif isinstance(event, ScenesChecked) and event.failing:
                console.print(f"{len(event.failing)} scene(s) will fail; rendering the others:")
                for failure in event.failing:
                    console.print(Text(f"  {failure.error.user_text()}"), soft_wrap=True)
            elif isinstance(event, SceneFailed):
                failures.append(event.error)
                if current is not None:
                    label = (event.scene.title or event.scene.id)[:40]
                    progress.update(current, description=f"  {label} (failed)")
                progress.advance(overall)
    if voicer is not None and voicer.voiced_by:
        console.print(f"Voiced on {len(set(voicer.voiced_by.values()))} worker(s) of the cluster")
    failed = f", {len(failures)} failed" if failures else ""
    console.print(
        Text(
            f"Done: {counts['rendered']} rendered, {counts['cached']} unchanged{failed}, "
            f"in {project.audio_dir}"
        ),
        soft_wrap=True,
    )
    if failures:
        for error in failures:
            console.print(Text(f"Failed: {error.user_text()}"), soft_wrap=True)
        sys.exit(failures[0].exit_code)


def _cluster_voicer(ctx: click.Context, address: str, workers: int | None) -> tuple[Any, Any]:
    """The local engine (for the cache keys) and a voicer on the cluster, which ends with the
    command; its workers use the same model options as this machine."""
    from studio.render.cluster import cluster_voicer, import_ray, local_workers

    if ctx.meta.get(SERVER_KEY, (None, None))[0] not in (None, "local"):
        raise StudioError(
            ErrorCode.INVALID_INPUT,
            "--server and --cluster both say where to voice the scenes.",
            "Choose one of them.",
        )
    local_workers(address)  # a bad local:N
    import_ray()  # says how to install Ray before anything else starts
    engine = make_engine(**ctx.obj)
    return engine, ctx.with_resource(cluster_voicer(address, engine, ctx.obj, workers))


def _done_figures(event: Any) -> str:
    figures = f"{event.status}, {event.duration:.1f} s"
    if event.measurement is not None:
        m = event.measurement
        figures += f", {m.integrated_lufs:.1f} LUFS, {m.true_peak_dbtp:.1f} dBTP"
    return figures


@cli.command()
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
    from studio.render.export import render_text_to_mp3

    if text == "-":
        text = sys.stdin.read()
    engine = make_speech_engine(ctx)
    direction = say_direction(engine, lexicon_file)
    duration, size = render_text_to_mp3(engine, text, voice, speed, output, None, direction)
    click.echo(f"{output}: {duration:.2f} s, {size} bytes")


@cli.command()
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


@cli.command()
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


@cli.command()
@click.option("--lang", "lang", default=None, help="Only this language (code like 'a' or a name).")
@reports_errors
def voices(lang: str | None) -> None:
    """List the voices, best first, and the named profiles."""
    from studio.speech.voices import PROFILES, list_voices

    for voice in list_voices(lang):
        click.echo(f"{voice.id:<15} {voice.language:<21} {voice.gender:<7} {voice.grade or '-':<3}")
    if lang is None:
        click.echo("\nProfiles: " + ", ".join(f"{n} = {v}" for n, v in PROFILES.items()))


@cli.command()
@click.argument("project_dir", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--from",
    "script",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A .txt or .md script (scenes split at blank lines and headings), or an .epub book "
    "(a scene per chapter).",
)
@click.option("--title", default=None, help="Project title (default: the book's or the folder's).")
@click.option("--voice", default="af_heart", show_default=True, help="Default voice for scenes.")
@reports_errors
def new(project_dir: Path, script: Path | None, title: str | None, voice: str) -> None:
    """Create a project in PROJECT_DIR, optionally from a script or an EPUB book."""
    from studio.project.export_settings import ExportSettings
    from studio.project.model import Project
    from studio.project.script_import import scenes_from_script

    scenes = []
    export = ExportSettings()
    if script is not None and script.suffix.lower() == ".epub":
        from studio.project.epub_import import read_epub

        book = read_epub(script)
        scenes, title, export = (
            book.scenes,
            title or book.title or None,
            ExportSettings(artist=book.author),
        )
    elif script is not None:
        try:
            scenes = scenes_from_script(script.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as exc:
            raise StudioError(
                ErrorCode.INVALID_INPUT,
                f"Could not read {script}: {exc}.",
                "Save the script as UTF-8 text.",
            ) from exc
    project = Project.create(project_dir, title, scenes, voice, export)
    click.echo(f"Created {project.file} with {len(project.scenes)} scene(s).")


@cli.command()
@click.option(
    "--audio-root",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path(".cache/audio"),
    show_default=True,
    help="Folder that every outputPath must stay inside.",
)
@click.option("--parent-pid", type=int, hidden=True, help="Exit when this process dies.")
@click.option("--http", "http", is_flag=True, help="Serve HTTP instead of stdin/stdout.")
@click.option("--host", default="127.0.0.1", show_default=True, help="HTTP: address to bind.")
@click.option("--port", default=11435, show_default=True, type=int, help="HTTP: port.")
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    help="HTTP: synthesis processes in parallel (each holds the model once).",
)
@click.option(
    "--queue",
    "queue_size",
    type=click.IntRange(0, 100_000),
    help="HTTP: requests that may wait for a worker before 429 (default: 256; each holds only "
    "its text, a few KB).",
)
@click.option(
    "--token",
    envvar="NARRATION_STUDIO_TOKEN",
    help="HTTP: require 'Authorization: Bearer TOKEN' (needed to bind beyond loopback).",
)
@click.option(
    "--body-timeout",
    default=30.0,
    show_default=True,
    type=click.FloatRange(0.1, 3600),
    help="HTTP: seconds a client has to send its whole request (then 408).",
)
@click.option(
    "--cors-origin",
    "cors_origins",
    multiple=True,
    metavar="ORIGIN",
    help="HTTP: let web pages from ORIGIN call the server (repeatable; default: none).",
)
@click.pass_context
@reports_errors
def serve(
    ctx: click.Context,
    audio_root: Path,
    parent_pid: int | None,
    http: bool,
    host: str,
    port: int,
    workers: int,
    queue_size: int | None,
    token: str | None,
    body_timeout: float,
    cors_origins: tuple[str, ...],
) -> None:
    """Run the persistent TTS service: JSON requests on stdin, answers on stdout; or with
    --http an HTTP server with an OpenAI-compatible speech endpoint (docs: http.md)."""
    if http:
        from studio.service.http import HttpOptions, serve_http

        options = HttpOptions(
            host=host,
            port=port,
            workers=workers,
            token=token,
            body_timeout=body_timeout,
            cors_origins=cors_origins,
            audio_root=audio_root,
            engine_options=dict(ctx.obj),
        )
        if queue_size is not None:
            options.queue_size = queue_size
        sys.exit(serve_http(options))
    from studio.service.stdio import serve_stdio

    serve_stdio(ctx.obj, audio_root, parent_pid)


@reports_errors
def run_studio(engine_options: dict[str, Any], server: str | None = None) -> None:
    """No command: open the desktop studio (Qt is imported only here, never by the core)."""
    try:
        from studio.ui.app import run_gui
    except ImportError as exc:  # PySide6 missing, or a system library it needs (libEGL, …)
        raise StudioError(
            ErrorCode.NOT_INSTALLED,
            f"The desktop studio cannot start: {exc}.",
            "Reinstall Narration Studio (it needs PySide6), or use the commands: "
            "narration-studio --help",
        ) from exc
    run_gui(server=server, **engine_options)


def _add_direction_commands() -> None:
    """The lexicon and cast verbs live in their own module (studio.cli.direction)."""
    from studio.cli.direction import cast, lexicon

    cli.add_command(lexicon)
    cli.add_command(cast)


_add_direction_commands()


def main() -> None:
    cli()


if __name__ == "__main__":
    main()

"""``narration-studio render``: export a project's scenes, here or on a Ray cluster."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Any

import click

from studio.cli.common import (
    SERVER_KEY,
    leave_now,
    lock_project,
    make_engine,
    make_speech_engine,
    reports_errors,
    stderr_console,
)
from studio.errors import ErrorCode, StudioError

log = logging.getLogger(__name__)


@click.command()
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
    from studio.render.events import (
        FileRemoved,
        SceneDone,
        SceneFailed,
        SceneProgress,
        ScenesChecked,
        SceneStarted,
    )
    from studio.render.export import render_project
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
    personal = personal_lexicon()
    also_current: tuple[Any, ...] = ()
    if cluster is not None:
        engine, voicer = _cluster_voicer(ctx, cluster, workers)
        console.print(f"Voicing on the Ray cluster at {cluster} ({voicer.size} workers at most)")
    else:
        engine, also_current = _engine_for_the_job(
            ctx, project, list(scene_ids) or None, force, personal, settings
        )
    _warn_before_voicing(console, project, personal)
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
        also_current=also_current,
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
    for error in failures:
        console.print(Text(f"Failed: {error.user_text()}"), soft_wrap=True)
    code = failures[0].exit_code if failures else 0
    if voicer is None:  # a cluster's workers are shut down by Ray's own exit handlers
        leave_now(ctx, code)
    sys.exit(code)


def _warn_before_voicing(console: Any, project: Any, personal: Any) -> None:
    """What the pronunciation review would have the narrator check first: warnings, never
    failures (the review takes seconds, with no synthesis)."""
    from rich.text import Text

    from studio.proofing.review import review_project

    review = review_project(project, personal)
    guessed = [e for e in review.entries if e.kind == "guessed" and not e.reviewed]
    if guessed:
        words = ", ".join(e.word for e in guessed[:8]) + (", …" if len(guessed) > 8 else "")
        console.print(
            Text(
                f"Warning: {len(guessed)} word(s) the model guesses are not reviewed ({words}). "
                f"narration-studio check {project.folder} lists them.",
            ),
            soft_wrap=True,
        )
    for label in review.labels:
        console.print(
            Text(f"Warning: speaker label '{label.label}:' is not in the cast; it is not spoken."),
            soft_wrap=True,
        )


def _engine_for_the_job(
    ctx: click.Context,
    project: Any,
    scene_ids: list[str] | None,
    force: bool,
    personal: Any,
    settings: Any,
) -> tuple[Any, tuple[Any, ...]]:
    """The engine for this render, and the other whose files count as current: where ``auto``'s
    long-lived and quick-starting choices differ, the quick one when little speech is left to
    make (studio.engine.auto.quick_start_pays). Both pass the quality gate, so a scene voiced
    by either is kept. Nothing loads here: the keys come from the model's files."""
    from studio.engine import Engine
    from studio.engine.auto import quick_start_pays, this_machine
    from studio.render.current import seconds_left_to_voice
    from studio.settings import Settings

    long_lived = make_speech_engine(ctx)
    if not isinstance(long_lived, Engine):  # a server's: it has its own model
        return long_lived, ()
    quick = make_speech_engine(ctx, one_shot=True)
    if quick.backend.name == long_lived.backend.name:
        return long_lived, ()
    at_hand = [e for e in (long_lived, quick) if _model_at_hand(e)]
    if at_hand == [quick]:  # a folder with the export only
        log.info(
            "Backend for this render: %s, as torch's weights are not at hand", quick.backend.name
        )
        return quick, ()
    if at_hand != [long_lived, quick]:  # neither's, or the long-lived one's alone
        return long_lived, ()
    engines = {e.backend.name: e for e in (long_lived, quick)}
    seconds = seconds_left_to_voice(
        project, list(engines.values()), scene_ids, force, personal, settings
    )
    choice = quick_start_pays(seconds, gpu=this_machine(Settings.load().device).cuda)
    log.info("Backend for this render: %s, because %s", choice.name, choice.reason)
    chosen = engines[choice.name]
    return chosen, tuple(e for e in engines.values() if e is not chosen)


def _model_at_hand(engine: Any) -> bool:
    """Whether the engine's model files are there to key scenes on (and to load)."""
    try:
        engine.backend.weights_file()
        engine.source.config_path()
    except StudioError:
        return False
    return True


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

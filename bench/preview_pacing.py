"""Measure streamed previews: first audio and stalls, playing at once versus paced; and what the
sentence cache saves an export after a preview.

    python -m bench.preview_pacing --model-dir DIR [--runs 2]

For each fixed text (the harbor text of issue 12 among them) the real engine voices it the way
the studio's preview does (studio.render.longform.synthesize_scene), and the time each chunk arrives is
recorded. Two players are then replayed on those arrivals:

- "at once" (before issue 12): playback starts with the first chunk;
- "paced" (studio.ui.pacing, as studio.ui.listen uses it): playback starts when the audio made plus
  what the measured pace expects covers the rest; the pace is learned across texts, as in a
  studio session, and re-checked as time passes (the Listener checks every 100 ms; the replay
  takes the exact moment).

A stall is silence while the next chunk has not arrived. Then the same scene is exported after
its preview, with the sentence cache and without it (the model calls and seconds of each), and
the 10-sentence bench/inputs/scene_900.txt is exported, edited in one sentence, and exported
again (model calls and seconds, against that sentence's own synthesis).
Figures go to stdout and bench/results/preview_pacing.json; on a shared machine they are
provisional.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from studio.engine.request import SpeechRequest
from studio.speech.text import split_sentences
from studio.ui.pacing import SynthesisPace, remaining_pieces

RESULTS = Path(__file__).resolve().parent / "results"
TEXTS = {
    "one sentence": "The harbor was quiet at dawn.",
    "harbor (issue 12)": (
        "The harbor was quiet at dawn. Gulls circled over the fishing boats, and the old "
        "lighthouse keeper climbed the stairs one last time."
    ),
    "four sentences": (
        "The harbor was quiet before dawn. Gulls circled over the empty boats. "
        "A bell rang twice from the old church. Then the first fishermen arrived, talking "
        "softly about the weather and the long winter that was finally behind them."
    ),
}


@dataclass
class Arrival:
    at: float  # seconds from the request
    chars: int
    made_in: float
    seconds: float  # of audio


def voice(engine: Any, text: str) -> list[Arrival]:
    from studio.render.longform import synthesize_scene

    arrivals = []
    asked = made_since = time.perf_counter()
    for chunk in synthesize_scene(engine, text, "af_heart", 1.0):
        now = time.perf_counter()
        arrivals.append(Arrival(now - asked, len(chunk.text), now - made_since, chunk.duration))
        made_since = time.perf_counter()
    return arrivals


def stall(arrivals: list[Arrival], start: float) -> float:
    """Seconds of silence mid-sound when playback starts at ``start``."""
    clock, silent = start, 0.0
    for arrival in arrivals:
        if arrival.at > clock:
            silent += arrival.at - clock if arrival is not arrivals[0] else 0.0
            clock = arrival.at
        clock += arrival.seconds
    return silent


def paced_start(arrivals: list[Arrival], text: str, pace: SynthesisPace) -> float:
    """When the Listener would start: at the first arrival whose wait ends before the next."""
    lengths = [len(s) for s in split_sentences(text)]
    done, buffered = 0, 0.0
    for number, arrival in enumerate(arrivals):
        pace.observe(arrival.chars, arrival.made_in, arrival.seconds, 1.0)
        done += arrival.chars + 1
        buffered += arrival.seconds
        wait = pace.wait_before_start(buffered, 0.0, remaining_pieces(lengths, done), 1.0)
        last = number + 1 == len(arrivals)
        if last or arrival.at + wait < arrivals[number + 1].at:
            return arrival.at + (0.0 if last else wait)
    raise ValueError("no chunks")


def export_after_preview(engine: Any, text: str, cached: bool) -> dict[str, float]:
    """Preview the scene, then export it: model calls and seconds of the export."""
    from studio.engine.sentence_cache import SentenceCache
    from studio.project.model import Project, Scene
    from studio.render.export import render_project

    engine.sentence_cache = SentenceCache() if cached else SentenceCache(0)
    calls = []
    infer = engine.backend.infer
    engine.backend.infer = lambda p, s, v: calls.append(p) or infer(p, s, v)
    try:
        voice(engine, text)
        with tempfile.TemporaryDirectory() as folder:
            scene = Scene(text, "Harbor")
            scene.voice = "af_heart"
            project = Project.create(Path(folder) / "p", "P", [scene])
            calls.clear()
            started = time.perf_counter()
            list(render_project(project, engine))
            return {"seconds": time.perf_counter() - started, "model_calls": len(calls)}
    finally:
        del engine.backend.infer


def reexport_after_an_edit(engine: Any) -> dict[str, float]:
    """Export bench/inputs/scene_900.txt (10 sentences), change its third sentence, export it
    again: the second export's model calls and seconds, and that sentence's own synthesis."""
    from studio.engine.sentence_cache import SentenceCache
    from studio.project.model import Project, Scene
    from studio.render.export import render_project

    text = (Path(__file__).resolve().parent / "inputs" / "scene_900.txt").read_text().strip()
    old = split_sentences(text)[2].strip()
    new = "At the top, the old lamp still waited under its green brass hood."
    engine.sentence_cache = SentenceCache()
    calls: list[float] = []
    infer = engine.backend.infer

    def timed(p: str, s: Any, v: float) -> Any:
        started = time.perf_counter()
        try:
            return infer(p, s, v)
        finally:
            calls.append(time.perf_counter() - started)

    engine.backend.infer = timed
    try:
        with tempfile.TemporaryDirectory() as folder:
            scene = Scene(text, "Lighthouse")
            scene.voice = "af_heart"
            project = Project.create(Path(folder) / "p", "P", [scene])
            list(render_project(project, engine))
            calls.clear()
            project.scenes[0].text = text.replace(old, new)
            project.save()
            started = time.perf_counter()
            list(render_project(project, engine))
            return {
                "seconds": time.perf_counter() - started,
                "model_calls": len(calls),
                "edited_sentence_synthesis": sum(calls),
            }
    finally:
        del engine.backend.infer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model-dir", required=True)
    parser.add_argument("--runs", type=int, default=2)
    args = parser.parse_args()

    from studio.engine import Engine, LocalModelSource

    engine = Engine(LocalModelSource(Path(args.model_dir)), cache_bytes=0)
    engine.load()
    for _chunk in engine.synthesize(
        SpeechRequest("Ready.", "af_heart")
    ):  # warm, as the studio's LoadModel
        pass
    import pyloudnorm  # noqa: F401  # as the studio's LoadModel does, in the background

    pace = SynthesisPace()
    rows = []
    for run in range(args.runs):
        for name, text in TEXTS.items():
            arrivals = voice(engine, text)
            start = paced_start(arrivals, text, pace)
            row = {
                "text": name,
                "run": run + 1,
                "at_once_first_audio": round(arrivals[0].at, 2),
                "at_once_stall": round(stall(arrivals, arrivals[0].at), 2),
                "paced_first_audio": round(start, 2),
                "paced_stall": round(stall(arrivals, start), 2),
                "rtf": round(
                    sum(a.made_in for a in arrivals) / sum(a.seconds for a in arrivals), 2
                ),
            }
            rows.append(row)
            print(json.dumps(row))
    exports = {
        "cached": export_after_preview(engine, TEXTS["four sentences"], cached=True),
        "uncached": export_after_preview(engine, TEXTS["four sentences"], cached=False),
    }
    print(json.dumps({"export after preview (four sentences)": exports}))
    edit = reexport_after_an_edit(engine)
    print(json.dumps({"re-export after a one-sentence edit (scene_900)": edit}))
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / "preview_pacing.json"
    results = {"previews": rows, "export_after_preview": exports, "reexport_after_edit": edit}
    out.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()

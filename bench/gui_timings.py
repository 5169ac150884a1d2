"""Measure the studio GUI: window-visible time, cold start, first-preview latency, GUI stalls.

    python bench/gui_timings.py --model-dir DIR [--runs 3] [--platform offscreen|xcb]

1. Window visible: ``narration-studio -v`` is started as a new process; the time is from launch to
   its "Window visible" log line (after the first paint), which includes Python's start-up.
2. Cold start: launch to "Model ready" (imports, model load and warm-up on the engine thread).
3. First preview: in this process, the real MainWindow on the real model; from the Preview
   request to the first audio chunk, for a new text, another new text, and a cached one.
4. GUI stall: the longest gap of a 10 ms QTimer on the GUI thread while the previews above are
   synthesized, and while the four-sentence scene of tests/ui/test_listening.py plays (that test
   proves the GUI thread is served between every two sentences; the figure, with its 100 ms
   target, lives here, where timings belong).
5. Quit: a new studio process is brought to a state (idle after the model is ready, a preview
   or an export under way) and Ctrl+Q is pressed in it; the time is from the key press to the
   process's end, as a user's desktop sees it (target: 1 s).

Results are printed and written to bench/results/gui_timings.json. Audio goes to the default
output device when there is one; without one, latency is measured to the first chunk only.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "bench" / "results"


def _studio_env(model_dir: str, platform: str, home: str) -> dict[str, str]:
    """A studio process's environment: its own settings and documents under ``home``."""
    return {
        **os.environ,
        "QT_QPA_PLATFORM": platform,
        "NARRATION_STUDIO_MODEL_DIR": model_dir,
        "XDG_CONFIG_HOME": f"{home}/config",
        "XDG_DOCUMENTS_DIR": f"{home}/Documents",
        "PYTHONPATH": str(REPO),
    }


def launch_times(model_dir: str, platform: str, runs: int) -> list[dict[str, float]]:
    """Seconds from launch to the window being visible, and to the model being ready."""
    results = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as home:
            env = _studio_env(model_dir, platform, home)
            started = time.perf_counter()
            process = subprocess.Popen(
                [sys.executable, "-m", "studio", "-v"],
                env=env,
                stderr=subprocess.PIPE,
                stdout=subprocess.DEVNULL,
                text=True,
            )
            marks: dict[str, float] = {}
            assert process.stderr is not None
            for line in process.stderr:
                if "Window visible" in line:
                    marks["window_visible_s"] = time.perf_counter() - started
                if "Model ready" in line:
                    marks["model_ready_s"] = time.perf_counter() - started
                    break
            process.terminate()
            process.wait(timeout=60)
            process.stderr.close()
            results.append(marks)
    return results


QUIT_STATES = ("idle", "preview", "export")
QUIT_TARGET_S = 1.0
LONG_SCENE = " ".join(f"Sentence {n} of a long scene goes on for a while." for n in range(30))


def quit_times(model_dir: str, platform: str, runs: int) -> dict[str, Any]:
    """Seconds from Ctrl+Q to the end of the studio's process, per state, over ``runs``."""
    times: dict[str, list[float]] = {state: [] for state in QUIT_STATES}
    for state, _ in itertools.product(QUIT_STATES, range(runs)):
        with tempfile.TemporaryDirectory() as home:
            env = _studio_env(model_dir, platform, home)
            process = subprocess.Popen(
                [sys.executable, __file__, "--quit-in", state],
                env=env,
                stderr=subprocess.PIPE,
                stdout=subprocess.DEVNULL,
                text=True,
            )
            assert process.stderr is not None
            pressed = None
            for line in process.stderr:
                if line.startswith("CTRL+Q "):
                    pressed = float(line.split()[1])
            process.wait(timeout=600)
            ended = time.monotonic()
            if pressed is None:
                raise SystemExit(f"the studio never reached '{state}' (exit {process.returncode})")
            times[state].append(round(ended - pressed, 3))
    return {
        state: {"median": statistics.median(values), "all": values}
        for state, values in times.items()
    } | {"target_s": QUIT_TARGET_S}


def _press_ctrl_q_when(state: str) -> None:
    """In the studio's own process: open the window as ``narration-studio`` does, bring it to
    ``state`` and press Ctrl+Q; the time of the press goes to stderr."""
    from PySide6.QtCore import Qt, QTimer
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from studio.ui.app import create_application, run_gui
    from studio.ui.main_window import MainWindow

    create_application([sys.argv[0]])

    def window() -> Any:
        return next(w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow))

    def press() -> None:
        print(f"CTRL+Q {time.monotonic():.4f}", file=sys.stderr, flush=True)
        QTest.keyClick(window(), Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)

    def when(condition: Any, then: Any) -> None:
        QTimer.singleShot(50, lambda: then() if condition() else when(condition, then))

    def start() -> None:
        main = window()
        scene_id = main.session.project.scenes[0].id
        main.session.model.edit(scene_id, "text", LONG_SCENE)
        main.session.undo_stack.setClean()  # no "Save changes?" question when it quits
        if state == "idle":
            QTimer.singleShot(500, press)
        elif state == "preview":
            main.preview_scene()
            QTimer.singleShot(1500, press)
        else:
            main.export(False)
            main.export_dialog.export_button.click()
            QTimer.singleShot(1500, press)

    QTimer.singleShot(0, lambda: when(lambda: window().status.state == "ready", start))
    run_gui()


def preview_latencies(model_dir: str) -> dict[str, Any]:
    """In-process: the real window and engine; request-to-first-chunk for three previews."""
    from PySide6.QtCore import QTimer
    from PySide6.QtTest import QTest

    from studio.ui.app import create_application
    from studio.ui.config import StudioConfig
    from studio.ui.main_window import MainWindow

    app = create_application([])
    with tempfile.TemporaryDirectory() as home:
        config = StudioConfig(
            settings_path=Path(home) / "settings.json",
            documents_dir=Path(home) / "Documents",
            model_dir=model_dir,
        )
        window = MainWindow(config)
        window.show()
        shown = time.perf_counter()
        while window.status.state != "ready":
            app.processEvents()
            if window.status.state == "error":
                raise SystemExit(window.status.text())
            time.sleep(0.01)
        ready_after = time.perf_counter() - shown

        first_chunk: list[float] = []
        window.worker.chunk_ready.connect(lambda *_: first_chunk.append(time.perf_counter()))
        beats: list[float] = []
        heartbeat = QTimer(interval=10)
        heartbeat.timeout.connect(lambda: beats.append(time.perf_counter()))
        texts = [
            ("new text", "Welcome to Narration Studio. This is the first preview of the day."),
            ("another new text", "The harbor was quiet before dawn. Gulls circled the boats."),
            ("cached", "Welcome to Narration Studio. This is the first preview of the day."),
        ]
        latencies: dict[str, float] = {}
        scene_id = window.session.project.scenes[0].id
        for label, text in texts:
            window.session.model.edit(scene_id, "text", text)
            window.listener.stop()
            first_chunk.clear()
            heard: list[float] = []
            window.listener.first_audio.connect(heard.append)
            asked = time.perf_counter()
            heartbeat.start()
            window.preview_scene()
            while not (heard or (label != "cached" and first_chunk)):
                QTest.qWait(1)
                if time.perf_counter() - asked > 300:
                    raise SystemExit(f"no audio for '{label}': {window.status.text()}")
            while window.listener.synthesizing:
                QTest.qWait(5)
            heartbeat.stop()
            window.listener.first_audio.disconnect()
            latencies[label] = heard[0] if heard else first_chunk[0] - asked
        stalls = [b - a for a, b in itertools.pairwise(beats)]
        scene_stalls = _stalls_while_a_scene_plays(window, heartbeat, beats)
        window.session.undo_stack.setClean()
        window.close()
    del app
    return {
        "ready_after_show_s": round(ready_after, 2),
        "first_audio_s": {k: round(v, 3) for k, v in latencies.items()},
        "gui_max_stall_ms": round(max(stalls) * 1000, 1) if stalls else None,
        "gui_stall_four_sentence_scene_ms": scene_stalls,
        "heard_through_device": bool(heard),
    }


LISTENING_SCENE = (
    "The harbor was quiet before dawn. Gulls circled over the empty boats. "
    "A bell rang twice from the old church. Then the first fishermen arrived."
)
STALL_TARGET_MS = 100


def _stalls_while_a_scene_plays(window: Any, heartbeat: Any, beats: list[float]) -> dict[str, Any]:
    """The GUI thread's longest and 99th-percentile timer gaps while the scene is synthesized."""
    from PySide6.QtTest import QTest

    scene_id = window.session.project.scenes[0].id
    window.session.model.edit(scene_id, "text", LISTENING_SCENE)
    window.listener.stop()
    beats.clear()
    heartbeat.start()
    window.preview_scene()
    while window.listener.synthesizing:
        QTest.qWait(5)
    heartbeat.stop()
    window.listener.stop()
    gaps = sorted((b - a) * 1000 for a, b in itertools.pairwise(beats))
    if not gaps:
        return {}
    return {
        "max": round(gaps[-1], 1),
        "p99": round(gaps[int(0.99 * (len(gaps) - 1))], 1),
        "target_max": STALL_TARGET_MS,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model-dir", default=os.environ.get("NARRATION_STUDIO_MODEL_DIR"))
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--platform", default=os.environ.get("QT_QPA_PLATFORM", "offscreen"))
    parser.add_argument("--quit-in", choices=QUIT_STATES, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.quit_in:
        _press_ctrl_q_when(args.quit_in)
    if not args.model_dir:
        parser.error("give --model-dir or set NARRATION_STUDIO_MODEL_DIR")
    os.environ["QT_QPA_PLATFORM"] = args.platform

    launches = launch_times(args.model_dir, args.platform, args.runs)
    visible = [r["window_visible_s"] for r in launches]
    ready = [r["model_ready_s"] for r in launches]
    result = {
        "platform": args.platform,
        "cpus": os.cpu_count(),
        "load_average": os.getloadavg(),
        "window_visible_s": {"median": statistics.median(visible), "all": visible},
        "model_ready_s": {"median": statistics.median(ready), "all": ready},
        "preview": preview_latencies(args.model_dir),
        "quit_s": quit_times(args.model_dir, args.platform, args.runs),
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / "gui_timings.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    print(f"written to {out}", file=sys.stderr)


if __name__ == "__main__":
    main()

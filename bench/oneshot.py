"""One-shot work as users get it: ``narration-studio say`` of one sentence, from process start to
the written MP3, against a fresh plain-KPipeline process doing the same, in interleaved rounds.

    python -m bench.oneshot --model-dir DIR [--onnx-model FILE] [--rounds 3]

The model folder used is a folder of links to DIR's files, plus ``--onnx-model`` when given (as a
user's folder may hold the int8 export beside the weights). Each system runs in a fresh process;
the figure is the wall time from launch to exit, median of the rounds. The studio's ONNX path
prepares its export once per machine (in the user's cache): a first round warms that cache and
is not counted, as it is not what a user pays after the first run.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TEXT = "The harbor was quiet at dawn, and the boats waited for the tide to turn."
RESULTS = Path(__file__).parent / "results" / "oneshot.json"

KPIPELINE = """
import sys
import soundfile as sf
from kokoro import KModel, KPipeline
folder, text, out = sys.argv[1:4]
model = KModel(repo_id="hexgrad/Kokoro-82M", config=f"{folder}/config.json",
               model=f"{folder}/kokoro-v1_0.pth").eval()
pipe = KPipeline(lang_code="a", repo_id="hexgrad/Kokoro-82M", model=model)
import numpy as np
audio = np.concatenate([r.audio.numpy() for r in pipe(text, voice=f"{folder}/voices/af_heart.pt")])
sf.write(out, audio, 24000, format="MP3")
"""


def _folder_of_links(model_dir: Path, onnx_model: Path | None, into: Path) -> Path:
    into.mkdir(parents=True)
    for name in ("config.json", "kokoro-v1_0.pth", "voices"):
        (into / name).symlink_to(model_dir.resolve() / name)
    if onnx_model is not None:
        (into / onnx_model.name).symlink_to(onnx_model.resolve())
    return into


def _timed(command: list[str], env: dict[str, str], out: Path) -> float:
    out.unlink(missing_ok=True)
    started = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    if done.returncode != 0 or not out.is_file():
        raise SystemExit(f"{' '.join(command[:4])}… failed:\n{done.stderr[-3000:]}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model-dir", type=Path, required=True)
    parser.add_argument("--onnx-model", type=Path, default=None)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="oneshot-"))
    folder = _folder_of_links(args.model_dir, args.onnx_model, work / "model")
    env = dict(os.environ, NARRATION_STUDIO_MODEL_DIR=str(folder), HF_HUB_OFFLINE="1")
    out = work / "out.mp3"
    say = [sys.executable, "-m", "studio", "say", TEXT, "-o", str(out)]
    systems = {
        "studio say (auto)": say,
        "studio say --backend torch": [*say[:3], "--backend", "torch", *say[3:]],
        "plain KPipeline": [sys.executable, "-c", KPIPELINE, str(folder), TEXT, str(out)],
    }
    _timed(say, env, out)  # the first run on a machine prepares the ONNX export once
    times: dict[str, list[float]] = {name: [] for name in systems}
    for _ in range(args.rounds):
        for name, command in systems.items():
            times[name].append(round(_timed(command, env, out), 2))
    baseline = statistics.median(times["plain KPipeline"])
    rows = {
        name: {
            "seconds": statistics.median(runs),
            "runs": runs,
            "x_kpipeline": round(statistics.median(runs) / baseline, 2),
        }
        for name, runs in times.items()
    }
    result = {"text": TEXT, "onnx_model": str(args.onnx_model or ""), "systems": rows}
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    for name, row in rows.items():
        print(f"{name:<28} {row['seconds']:6.2f} s  {row['x_kpipeline']:.2f}× KPipeline")


if __name__ == "__main__":
    main()

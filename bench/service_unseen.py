"""What a user of the service gets on text it has not seen, against plain KPipeline in the same run.

    python -m bench.service_unseen [--model-dir DIR] [--rounds 1]

The service (``python -m studio.service``, through ``TTSClient``, with its defaults) is started,
and as soon as it says ready it is given the paragraphs of ``bench/inputs/unseen.txt`` in turn:
each is new to the process, as a user's text is. The first request after ready is reported
apart from the rest (the warm ones), since that is the one a user waits on after a start. Each
request's RTF is its wall time from the client (synthesis, MP3 encoding and the file written)
over its audio. The studio's engine then reads them in a fresh process of its own, warmed up as
the service is, timed around its synthesis alone (no MP3, no file, no protocol): the service
should be within 5 % of it. Plain KPipeline reads the same paragraphs in a fresh process too,
after one short sentence to warm up, timed around its generator. Results go to bench/results/.
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

from studio.client.client import TTSClient

INPUTS = Path(__file__).parent / "inputs" / "unseen.txt"
RESULTS = Path(__file__).parent / "results" / "service-unseen.json"
VOICE = "af_heart"

KPIPELINE = """
import json, sys, time
from kokoro import KModel, KPipeline
folder, texts = sys.argv[1], json.loads(sys.argv[2])
model = KModel(repo_id="hexgrad/Kokoro-82M", config=f"{folder}/config.json",
               model=f"{folder}/kokoro-v1_0.pth").eval()
pipe = KPipeline(lang_code="a", repo_id="hexgrad/Kokoro-82M", model=model)
voice = f"{folder}/voices/af_heart.pt"
for _ in pipe("A short sentence to warm up.", voice=voice):
    pass
rtfs = []
for text in texts:
    started = time.perf_counter()
    audio = sum(len(r.audio) for r in pipe(text, voice=voice)) / 24000
    rtfs.append((time.perf_counter() - started) / audio)
print(json.dumps(rtfs))
"""

ENGINE = """
import json, sys, time
from studio.engine.configure import configured_engine
from studio.engine.request import SpeechRequest
from studio.render.single import warm_up
folder, texts, voice = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3]
engine = configured_engine(folder)
engine.load()
warm_up(engine)
rtfs = []
for text in texts:
    started = time.perf_counter()
    audio = sum(len(c.audio) for c in engine.synthesize(SpeechRequest(text, voice))) / 24000
    rtfs.append((time.perf_counter() - started) / audio)
print(json.dumps(rtfs))
"""


def paragraphs() -> list[str]:
    return [p.strip() for p in INPUTS.read_text(encoding="utf-8").split("\n\n") if p.strip()]


def service_rtfs(model_dir: str | None, texts: list[str]) -> dict[str, object]:
    work = Path(tempfile.mkdtemp(prefix="service-unseen-"))
    with TTSClient(model_dir=model_dir, cwd=work, startup_timeout=600, health_interval=None) as c:
        started = time.perf_counter()
        c.ensure_running()
        ready = time.perf_counter() - started
        rtfs = []
        for n, text in enumerate(texts):
            started = time.perf_counter()
            result = c.synthesize(text, VOICE, f".cache/audio/{n}.mp3")
            rtfs.append((time.perf_counter() - started) / result.duration)
    return {"start_to_ready_s": round(ready, 2), "rtfs": [round(r, 3) for r in rtfs]}


def fresh_process_rtfs(script: str, *args: str) -> list[float]:
    """The RTFs a fresh interpreter running ``script`` prints as its last line."""
    done = subprocess.run(
        [sys.executable, "-c", script, *args], capture_output=True, text=True, check=True
    )
    return [round(r, 3) for r in json.loads(done.stdout.strip().splitlines()[-1])]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model-dir", default=os.environ.get("NARRATION_STUDIO_MODEL_DIR"))
    parser.add_argument("--rounds", type=int, default=1, help="service and KPipeline, in turn")
    args = parser.parse_args()
    if not args.model_dir:
        raise SystemExit("Give --model-dir (plain KPipeline reads the same folder).")
    texts = paragraphs()
    rounds = []
    for _ in range(args.rounds):
        service = service_rtfs(args.model_dir, texts)
        engine = fresh_process_rtfs(ENGINE, args.model_dir, json.dumps(texts), VOICE)
        plain = fresh_process_rtfs(KPIPELINE, args.model_dir, json.dumps(texts))
        rounds.append({"service": service, "engine": engine, "kpipeline": plain})
    first = statistics.median(r["service"]["rtfs"][0] for r in rounds)  # type: ignore[index]
    warm = statistics.median(x for r in rounds for x in r["service"]["rtfs"][1:])  # type: ignore[index]
    engine = statistics.median(x for r in rounds for x in r["engine"][1:])  # as the service's
    plain = statistics.median(x for r in rounds for x in r["kpipeline"])
    summary = {
        "service_first_rtf": round(first, 3),
        "service_warm_rtf": round(warm, 3),
        "first_over_warm": round(first / warm, 2),
        "engine_warm_rtf": round(engine, 3),
        "service_over_engine": round(warm / engine, 3),
        "kpipeline_rtf": round(plain, 3),
        "service_over_kpipeline": round(warm / plain, 2),
    }
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps({"summary": summary, "rounds": rounds}, indent=2) + "\n")
    for key, value in summary.items():
        print(f"{key:<24} {value}")


if __name__ == "__main__":
    main()

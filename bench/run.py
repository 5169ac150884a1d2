"""The performance harness: every figure of the performance issue, next to plain KPipeline.

    python -m bench                 # the figures table (about 10 minutes on 2 cores)
    python -m bench --levers        # also what each lever gives (about 15 minutes more)

Each figure is measured in fresh processes (see ``bench/probe.py``) on the fixed inputs in
``bench/inputs/``; medians of several runs. Writes ``bench/results/latest.md`` and ``latest.json``.
Nothing here asserts a time: the tests never time anything.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from studio.engine.precision import cpu_has_native_bf16

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
INPUTS = BENCH / "inputs"
SCENE = INPUTS / "scene_900.txt"
LEVER_SCENE = INPUTS / "scene_300.txt"
PREVIEWS = INPUTS / "previews.txt"
PROJECT = INPUTS / "project_20"
SHARED = Path(os.environ.get("NARRATION_STUDIO_SHARED", REPO.parent / "shared"))
SHARED_ONNX = SHARED / "kokoro-offline" / "kokoro-v1.0.int8.onnx"
DEFAULT_MODEL_DIR = Path.home() / ".cache" / "narration-studio-test" / "model"
CONFIGS = ("baseline", "torch", "onnx")
LABELS = {
    "baseline": "plain KPipeline",
    "torch": "studio, torch (auto precision)",
    "onnx": "studio, onnx int8",
}
TIMEOUT = 900


class Harness:
    """Runs probes in fresh processes and keeps what they report, with the machine's load."""

    def __init__(self, args: argparse.Namespace, workdir: Path) -> None:
        self.args = args
        self.workdir = workdir
        self.env = dict(os.environ)
        self.env["PYTHONPATH"] = os.pathsep.join(
            [str(REPO), *filter(None, [os.environ.get("PYTHONPATH")])]
        )
        self.env["HF_HUB_OFFLINE"] = "1"
        self.env["NARRATION_STUDIO_MODEL_DIR"] = str(args.model_dir)
        self.loads: list[float] = []

    def probe(self, mode: str, config: str, *extra: str, scene: Path = SCENE) -> dict[str, Any]:
        """Run ``bench.probe`` once; its result, with ``launched`` (the time before the launch)."""
        command = [
            sys.executable,
            "-m",
            "bench.probe",
            mode,
            config,
            "--model-dir",
            str(self.args.model_dir),
            "--scene",
            str(scene),
            "--previews",
            str(PREVIEWS),
            *(["--onnx-model", str(self.args.onnx_model)] if self.args.onnx_model else []),
            *extra,
        ]
        self.loads.append(os.getloadavg()[0])
        log(f"  {mode} {config} {' '.join(extra)}")
        launched = time.time()
        done = subprocess.run(
            command,
            cwd=REPO,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            check=False,
        )
        for line in done.stdout.splitlines():
            if line.startswith("BENCH-RESULT "):
                result: dict[str, Any] = json.loads(line.removeprefix("BENCH-RESULT "))
                result["launched"] = launched
                return result
        tail = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise RuntimeError(f"probe {mode} {config} failed ({done.returncode}): {tail}")


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def median(values: list[float]) -> float:
    return statistics.median(values)


# --- the figures ------------------------------------------------------------------------------


def cold_starts(h: Harness) -> dict[str, dict[str, float]]:
    """Process launch → imported → ready → first preview audio, interleaved across configs."""
    for config in CONFIGS:  # discarded: fills the OS file cache and the onnx model copy
        h.probe("cold", config)
    samples: dict[str, list[dict[str, Any]]] = {c: [] for c in CONFIGS}
    for _ in range(h.args.cold_runs):
        for config in CONFIGS:
            samples[config].append(h.probe("cold", config))
    figures = {}
    for config, runs in samples.items():

        def since(stage: str, start: str = "launched", runs: list[dict[str, Any]] = runs) -> float:
            return median(
                [
                    r["stages"][stage]["time"]
                    - (r["launched"] if start == "launched" else r["stages"][start]["time"])
                    for r in runs
                ]
            )

        figures[config] = {
            "interpreter_s": since("start"),
            "import_s": since("imported", "start"),
            "load_s": since("ready", "imported"),
            "ready_s": since("ready"),
            "first_audio_cold_s": since("first_audio"),
            "rss_ready_mb": median([r["stages"]["ready"]["rss_mb"] for r in runs]),
            "cpu_ready_s": median([r["stages"]["ready"].get("cpu_s", float("nan")) for r in runs]),
        }
    return figures


def first_ever_onnx_start(h: Harness) -> dict[str, float]:
    """The onnx backend's very first start, which writes its cached copy of the model."""
    saved = h.env.get("XDG_CACHE_HOME")
    h.env["XDG_CACHE_HOME"] = str(h.workdir / "empty-cache")
    try:
        run = h.probe("cold", "onnx")
    finally:
        if saved is None:
            h.env.pop("XDG_CACHE_HOME")
        else:
            h.env["XDG_CACHE_HOME"] = saved
    return {
        "ready_s": run["stages"]["ready"]["time"] - run["launched"],
        "rss_ready_mb": run["stages"]["ready"]["rss_mb"],
    }


def warm_figures(h: Harness) -> dict[str, dict[str, Any]]:
    runs = ["--runs", str(h.args.runs)]
    return {config: h.probe("warm", config, *runs) for config in CONFIGS}


def component_memory(h: Harness) -> dict[str, list[dict[str, Any]]]:
    return {config: h.probe("components", config)["steps"] for config in CONFIGS}


def reexport(h: Harness) -> dict[str, Any]:
    """Render the 20-scene project once (every scene synthesized), then re-export it unchanged:
    from the command line (a fresh process each time) and in one process."""
    project = h.workdir / "project_20"
    shutil.copytree(PROJECT, project)
    cli = [sys.executable, "-m", "studio", "render", str(project)]

    def run_cli() -> float:
        started = time.perf_counter()
        subprocess.run(cli, cwd=REPO, env=h.env, check=True, capture_output=True, timeout=TIMEOUT)
        return time.perf_counter() - started

    log("  render project_20 (first export, every scene synthesized)")
    first = run_cli()
    cli_runs = []
    for _ in range(h.args.cold_runs):
        log("  re-export project_20 (command line)")
        cli_runs.append(run_cli())
    in_process = h.probe("reexport", "torch", "--project", str(project), "--runs", "5")
    return {
        "first_export_s": first,
        "cli_s": median(cli_runs),
        "in_process_s": in_process["seconds"],
        "model_loaded": in_process["loaded"],
    }


def _merged(module: str) -> bool:
    """Whether this checkout has ``module`` (an editable install elsewhere does not count)."""
    return (REPO / (module.replace(".", "/") + ".py")).is_file() or (
        REPO / module.replace(".", "/") / "__init__.py"
    ).is_file()


def service_ready(h: Harness) -> dict[str, Any]:
    """``python -m studio.service``: launch → its "ready" status line, and its peak RSS serving."""
    if not _merged("studio.service"):
        return {"note": "n/a (studio.service not merged yet)"}
    results: dict[str, Any] = {}
    for backend in ("torch", "onnx"):
        readies, rss = [], None
        for attempt in range(h.args.cold_runs):
            log(f"  service ({backend})")
            ready, peak = _one_service_run(h, backend, synthesize=attempt == 0)
            readies.append(ready)
            rss = peak if attempt == 0 else rss
        results[backend] = {"ready_s": median(readies), "rss_serving_mb": rss}
    return results


def _one_service_run(h: Harness, backend: str, synthesize: bool) -> tuple[float, float | None]:
    env = dict(h.env, NARRATION_STUDIO_BACKEND=backend)
    if h.args.onnx_model:
        env["NARRATION_STUDIO_ONNX_MODEL"] = str(h.args.onnx_model)
    launched = time.perf_counter()
    service = subprocess.Popen(
        [sys.executable, "-m", "studio.service"],
        cwd=h.workdir,  # output paths must be inside its .cache/audio
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert service.stderr and service.stdin and service.stdout
        for line in service.stderr:
            if _is_ready(line):
                break
        else:
            raise RuntimeError("the service exited before it was ready")
        ready = time.perf_counter() - launched
        peak = None
        if synthesize:
            request = {
                "action": "synthesize",
                "text": SCENE.read_text(encoding="utf-8").strip(),
                "voiceId": "olivia",
                "outputPath": f".cache/audio/service-{backend}.mp3",
            }
            service.stdin.write(json.dumps(request) + "\n")
            service.stdin.flush()
            answer = json.loads(service.stdout.readline() or "{}")
            if answer.get("success") is not True:
                raise RuntimeError(f"the service did not synthesize: {answer}")
            peak = _vm_hwm_mb(service.pid)
        service.stdin.write(json.dumps({"action": "shutdown"}) + "\n")
        service.stdin.flush()
        service.wait(timeout=60)
        return ready, peak
    finally:
        if service.poll() is None:
            service.kill()
            service.wait()


def _is_ready(line: str) -> bool:
    try:
        message = json.loads(line)
    except ValueError:
        return False
    return isinstance(message, dict) and message.get("status") == "ready"


def _vm_hwm_mb(pid: int) -> float | None:
    """The process's peak RSS from /proc (Linux), in MB. (psutil has no peak of another
    process on Linux; the figures of this harness are Linux's.)"""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def gui_visible(h: Harness) -> dict[str, Any]:
    """Launch of ``python -m studio -v`` (the GUI) → its "Window visible" log line, which it writes
    after the first paint (Qt offscreen unless QT_QPA_PLATFORM says otherwise)."""
    if not _merged("studio.ui"):
        return {"note": "n/a (GUI not merged)"}
    env = dict(h.env, QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen"))
    times = []
    for attempt in range(h.args.cold_runs):
        log("  GUI window")
        env["XDG_CONFIG_HOME"] = str(h.workdir / f"gui-config-{attempt}")
        env["XDG_DOCUMENTS_DIR"] = str(h.workdir / f"gui-documents-{attempt}")
        launched = time.perf_counter()
        gui = subprocess.Popen(
            [sys.executable, "-m", "studio", "-v"],
            cwd=REPO,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            assert gui.stderr is not None
            for line in gui.stderr:
                if "Window visible" in line:
                    times.append(time.perf_counter() - launched)
                    break
            else:
                return {"note": "n/a (the GUI exited without showing its window)"}
        finally:
            gui.kill()
            gui.wait()
    return {"visible_s": median(times)}


# --- levers -----------------------------------------------------------------------------------

TORCH_LEVERS = (
    "torch",
    "torch-fp32",
    "torch-bf16",
    "torch-threads-1",
    "torch-interop-1",
    "torch-no-inference-mode",
    "torch-paragraph-chunks",
    "torch-first-clause",
)
ONNX_LEVERS = (
    "onnx",
    "onnx-threads-1",
    "onnx-spinning",
    "onnx-no-arena",
    "onnx-opt-basic",
    "onnx-opt-extended",
    "onnx-first-clause",
)


def levers(h: Harness) -> dict[str, Any]:
    runs = ["--runs", str(h.args.runs)]
    warm = {
        config: h.probe("warm", config, *runs, scene=LEVER_SCENE)
        for config in TORCH_LEVERS + ONNX_LEVERS
    }
    cold = {
        config: [h.probe("cold", config) for _ in range(h.args.cold_runs)]
        for config in ("onnx", "onnx-with-torch-imported")
    }
    return {
        "warm": warm,
        "cold": {
            config: {
                "ready_s": median([r["stages"]["ready"]["time"] - r["launched"] for r in runs_]),
                "rss_ready_mb": median([r["stages"]["ready"]["rss_mb"] for r in runs_]),
            }
            for config, runs_ in cold.items()
        },
        "g2p": h.probe("g2p", "a", "--runs", "5"),
        "spacy": {mode: h.probe("spacy", mode) for mode in ("enable", "exclude")},
        "imports": import_times(h),
    }


def import_times(h: Harness) -> dict[str, float]:
    """Lazy imports: what starting the command line costs against importing kokoro up front."""
    snippets = {
        "import studio.cli": "import studio.cli",
        "import kokoro": "import kokoro",
        "import torch": "import torch",
    }
    results = {}
    for name, code in snippets.items():
        times = []
        for _ in range(h.args.cold_runs):
            started = time.perf_counter()
            subprocess.run([sys.executable, "-c", code], cwd=REPO, env=h.env, check=True)
            times.append(time.perf_counter() - started)
        results[name] = median(times)
    times = []
    for _ in range(h.args.cold_runs):
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "studio", "voices"],
            cwd=REPO,
            env=h.env,
            check=True,
            capture_output=True,
        )
        times.append(time.perf_counter() - started)
    results["narration-studio voices"] = median(times)
    return results


# --- the machine and the report ---------------------------------------------------------------


def machine_info() -> dict[str, Any]:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = None
    try:
        pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        memory = round(pages / 2**30, 1)
    except (ValueError, OSError):
        pass

    def version(package: str) -> str:
        try:
            return importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            return "not installed"

    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "usable_cores": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "memory_gb": memory,
        "os": platform.platform(),
        "python": platform.python_version(),
        "torch": version("torch"),
        "onnxruntime": version("onnxruntime"),
        "kokoro": version("kokoro"),
        "misaki": version("misaki"),
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "native_bf16": cpu_has_native_bf16(),
    }


def fmt(value: Any, unit: str = "s", digits: int = 2) -> str:
    if value is None:
        return "—"
    if isinstance(value, str):
        return value
    if unit == "MB":
        return f"{value:.0f} MB"
    if unit == "x":
        return f"{value:.3f}"
    return f"{value:.{digits}f} s"


def report(results: dict[str, Any]) -> str:
    """The markdown for whatever steps ran."""
    lines = machine_report(results)
    lines += [f"**{name} failed**: {error}" for name, error in results.get("failed", {}).items()]
    if "cold" in results or "warm" in results:
        lines += figures_report(results)
    if "components" in results:
        lines += components_report(results["components"])
    if "levers" in results:
        lines += lever_report(results["levers"])
    return "\n".join(lines) + "\n"


def machine_report(results: dict[str, Any]) -> list[str]:
    info, loads = results["machine"], results["load_average"]
    torch_precision = "bf16" if info.get("native_bf16") else "fp32"
    return [
        f"Machine: {info['cpu']}, {info['usable_cores']} cores usable, {info['memory_gb']} GB; "
        f"{info['os']}; Python {info['python']}, torch {info['torch']}, onnxruntime "
        f"{info['onnxruntime']}, kokoro {info['kokoro']}, misaki {info['misaki']}; {info['date']}; "
        f"native bf16: {'yes' if info.get('native_bf16') else 'no'}, so the studio torch column "
        f"runs {torch_precision}; "
        f"steps: {', '.join(results['steps'])}; {results['elapsed_s'] / 60:.0f} min. "
        f"1-minute load average when each probe started: {loads['min']:.1f}–{loads['max']:.1f} "
        f"(median {loads['median']:.1f}; above the core count means other programs shared the CPU).",
        "",
        f"Medians: cold figures over {results['args']['cold_runs']} fresh processes each (after one "
        f"discarded start that fills the OS file cache), warm figures over "
        f"{results['args']['runs']} syntheses of the {results['scene_chars']}-character scene after "
        "a warm-up sentence, previews over 2 rounds of 5 lines. Voice af_heart.",
        "",
    ]


def figures_report(results: dict[str, Any]) -> list[str]:
    cold, warm = results.get("cold", {}), results.get("warm", {})
    lines = [
        "| figure | target | " + " | ".join(LABELS[c] for c in CONFIGS) + " |",
        "|---|---|" + "---|" * len(CONFIGS),
    ]

    def row(name: str, target: str, values: list[str]) -> None:
        lines.append(f"| {name} | {target} | " + " | ".join(values) + " |")

    def cells(figures: dict[str, Any], key: str, unit: str = "s") -> list[str]:
        return [
            fmt(figures[c][key], unit) if key in figures.get(c, {}) else "not measured"
            for c in CONFIGS
        ]

    row("import (kokoro / studio.engine)", "", cells(cold, "import_s"))
    row("model load", "", cells(cold, "load_s"))
    row("cold start: process → ready", "≤ 2 s", cells(cold, "ready_s"))
    row("cold start: CPU seconds used to ready", "", cells(cold, "cpu_ready_s"))
    row("cold: process → first preview audio", "", cells(cold, "first_audio_cold_s"))
    row("warm RTF (synthesis s / audio s)", "≤ 0.15", cells(warm, "rtf", "x"))
    row("warm CPU s / audio s", "", cells(warm, "cpu_rtf", "x"))
    row("first audio, the scene (warm)", "", cells(warm, "scene_first_audio"))
    row("first audio, a preview line (warm)", "≤ 0.3 s", cells(warm, "preview_first_audio"))
    row("peak RSS, loaded", "", cells(warm, "rss_after_load_mb", "MB"))
    row("peak RSS while serving (after the scene)", "≤ 800 MB", cells(warm, "rss_serving_mb", "MB"))
    row("RSS now, after the previews (not the peak)", "", cells(warm, "rss_now_mb", "MB"))
    reexp = results.get("reexport")
    if reexp:
        row(
            "re-export, unchanged 20-scene project",
            "≤ 1 s",
            [
                f"{reexp['first_export_s']:.1f} s (no render cache: every scene synthesized again)",
                f"{fmt(reexp['cli_s'])} as a CLI process; {fmt(reexp['in_process_s'], digits=3)} "
                "in process",
                "the same (the model is not loaded)",
            ],
        )
    service = results.get("service", {"note": "not measured"})
    if "note" in service:
        row("service: process → ready", "≤ 2 s", ["—", service["note"], service["note"]])
    else:
        row("service: process → ready", "≤ 2 s", ["—", *cells(service, "ready_s")[1:]])
        row(
            "service: peak RSS serving",
            "≤ 800 MB",
            ["—", *cells(service, "rss_serving_mb", "MB")[1:]],
        )
    gui = results.get("gui", {"note": "not measured"})
    row("GUI window visible", "≤ 1.5 s", ["—", gui.get("note") or fmt(gui["visible_s"]), "—"])
    lines.append("")
    if "torch" in warm:
        lines.append(f"The scene is {warm['torch']['audio_s']:.1f} s of audio.")
    first_ever = results.get("onnx_first_start")
    if first_ever:
        lines.append(
            "The onnx backend's very first start writes its copy of the model with a durations "
            f"output (for word timings) into the user cache: {first_ever['ready_s']:.2f} s to "
            f"ready, peak {first_ever['rss_ready_mb']:.0f} MB; later starts read the copy."
        )
    lines.append("")
    return lines


def components_report(components: dict[str, list[dict[str, Any]]]) -> list[str]:
    lines = ["#### Peak RSS by component (each step adds to the one before)", ""]
    for config, steps in components.items():
        lines += [
            f"{LABELS[config]}:",
            "",
            "| step | seconds | peak RSS | torch loaded |",
            "|---|---|---|---|",
        ]
        lines += [
            f"| {step['step']} | {step['seconds']:.2f} | {step['rss_mb']:.0f} MB | "
            f"{'yes' if step['torch_loaded'] else 'no'} |"
            for step in steps
        ]
        lines.append("")
    return lines


def lever_report(lev: dict[str, Any]) -> list[str]:
    warm = lev["warm"]
    lines = [
        "#### Levers",
        "",
        f"Warm figures on the {LEVER_SCENE.stat().st_size - 1}-character scene "
        "(`bench/inputs/scene_300.txt`), each lever against its backend's default in the same "
        "run.",
        "",
        "| variant | warm RTF | CPU s / audio s | first audio, scene | first audio, preview "
        "| peak RSS serving | RSS after |",
        "|---|---|---|---|---|---|---|",
    ]
    for config, figures in warm.items():
        lines.append(
            f"| `{config}` | {fmt(figures['rtf'], 'x')} | {fmt(figures['cpu_rtf'], 'x')} | "
            f"{fmt(figures['scene_first_audio'])} | {fmt(figures['preview_first_audio'])} | "
            f"{fmt(figures['rss_serving_mb'], 'MB')} | {fmt(figures.get('rss_now_mb'), 'MB')} |"
        )
    cold = lev["cold"]
    g2p, spacy, imports = lev["g2p"], lev["spacy"], lev["imports"]
    lines += [
        "",
        "| other lever | measured |",
        "|---|---|",
        f"| torch kept out of spaCy (onnx backend) | ready {fmt(cold['onnx']['ready_s'])}, "
        f"{fmt(cold['onnx']['rss_ready_mb'], 'MB')} — with torch imported: "
        f"{fmt(cold['onnx-with-torch-imported']['ready_s'])}, "
        f"{fmt(cold['onnx-with-torch-imported']['rss_ready_mb'], 'MB')} |",
        f"| spaCy: misaki's `enable=` vs only the used components (`exclude=`) | "
        f"{fmt(spacy['enable']['seconds'])}, {fmt(spacy['enable']['rss_mb'], 'MB')} vs "
        f"{fmt(spacy['exclude']['seconds'])}, {fmt(spacy['exclude']['rss_mb'], 'MB')} |",
        f"| G2P cost (what a per-sentence cache could save) | building the English G2P "
        f"{fmt(g2p['build_s'])}; first sentence {fmt(g2p['first_sentence_s'], digits=3)}; "
        f"the whole scene warm ({g2p['sentences']} sentences) {fmt(g2p['scene_s'], digits=3)} |",
        "| lazy imports | "
        + "; ".join(f"`{name}` {fmt(value)}" for name, value in imports.items())
        + " |",
        "",
    ]
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--model-dir",
        type=Path,
        default=Path(os.environ.get("NARRATION_STUDIO_MODEL_DIR", DEFAULT_MODEL_DIR)),
        help="Kokoro model folder (config.json, kokoro-v1_0.pth, voices/).",
    )
    parser.add_argument(
        "--onnx-model",
        type=Path,
        default=None,
        help="Kokoro ONNX export (default: the model folder's, else ../shared's int8 export).",
    )
    parser.add_argument("--runs", type=int, default=3, help="warm syntheses per configuration")
    parser.add_argument("--cold-runs", type=int, default=3, help="fresh processes per figure")
    parser.add_argument("--levers", action="store_true", help="also measure each lever")
    parser.add_argument(
        "--only",
        type=lambda text: [name.strip() for name in text.split(",")],
        default=None,
        help="run only these steps, comma-separated: onnx_first_start, cold, warm, components, "
        "reexport, service, gui, levers",
    )
    parser.add_argument("--out", type=Path, default=BENCH / "results")
    parser.add_argument(
        "--render",
        type=Path,
        default=None,
        help="only write the markdown again from a results JSON",
    )
    args = parser.parse_args()
    if args.render:
        markdown = report(json.loads(args.render.read_text(encoding="utf-8")))
        args.render.with_suffix(".md").write_text(markdown, encoding="utf-8")
        print(markdown)
        return
    unknown = set(args.only or []) - set(STEPS)
    if unknown:
        parser.error(f"unknown steps: {', '.join(sorted(unknown))}")
    if args.onnx_model is None and not any(
        (args.model_dir / name).is_file() for name in ("kokoro-v1.0.onnx", "kokoro-v1.0.int8.onnx")
    ):
        args.onnx_model = SHARED_ONNX

    started = time.perf_counter()
    results: dict[str, Any] = {
        "machine": machine_info(),
        "args": {"runs": args.runs, "cold_runs": args.cold_runs},
        "scene_chars": len(SCENE.read_text(encoding="utf-8").strip()),
    }
    chosen = args.only or [name for name in STEPS if name != "levers" or args.levers]
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="ns-bench-") as temp:
        h = Harness(args, Path(temp))
        for name in chosen:
            log(f"{name}:")
            try:
                results[name] = STEPS[name](h)
            except (RuntimeError, OSError, subprocess.SubprocessError, KeyError) as exc:
                log(f"  {name} failed: {exc}")  # keep going: the other figures still count
                results.setdefault("failed", {})[name] = str(exc)
            results["steps"] = [n for n in chosen if n in results]
            results["load_average"] = {
                "min": min(h.loads, default=0.0),
                "max": max(h.loads, default=0.0),
                "median": median(h.loads) if h.loads else 0.0,
            }
            results["elapsed_s"] = time.perf_counter() - started
            # Written after every step, so an interrupted run keeps what it measured.
            (args.out / "latest.json").write_text(json.dumps(results, indent=2) + "\n", "utf-8")
            (args.out / "latest.md").write_text(report(results), encoding="utf-8")
    print((args.out / "latest.md").read_text(encoding="utf-8"))
    log(f"Done in {results['elapsed_s'] / 60:.1f} min: {args.out / 'latest.md'}")


STEPS: dict[str, Callable[[Harness], Any]] = {
    "onnx_first_start": first_ever_onnx_start,
    "cold": cold_starts,
    "warm": warm_figures,
    "components": component_memory,
    "reexport": reexport,
    "service": service_ready,
    "gui": gui_visible,
    "levers": levers,
}


if __name__ == "__main__":
    main()

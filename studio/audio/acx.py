"""The ACX (Audible) check: every rule, per file, pass or fail, as measured on the written files.

Loudness figures come from the decoded file (studio.audio.meter.measure); the format rule reads
the file's own MP3 header (mutagen). Peak is checked as true peak, which is never below the
sample peak ACX names, so a pass here is a pass there.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from studio.audio.meter import Measurement
from studio.audio.presets import PRESETS
from studio.fsutil import write_if_changed

REPORT_JSON = "acx-report.json"
REPORT_TEXT = "acx-report.txt"
_ACX_BITRATE = 192
_ACX_RATE = 44_100


@dataclass(frozen=True)
class RuleResult:
    rule: str
    requirement: str
    measured: str
    passed: bool

    def __post_init__(self) -> None:
        object.__setattr__(self, "passed", bool(self.passed))  # numpy's bool is not JSON


@dataclass(frozen=True)
class FileReport:
    file: str
    rules: tuple[RuleResult, ...]

    @property
    def passed(self) -> bool:
        return all(rule.passed for rule in self.rules)


def check_file(path: Path, name: str, measurement: Measurement) -> FileReport:
    """Every ACX rule for one file."""
    acx = PRESETS["acx"]
    assert acx.rms_window_dbfs and acx.head_room_tone and acx.tail_room_tone
    assert acx.true_peak_dbtp is not None and acx.noise_floor_dbfs is not None
    low, high = acx.rms_window_dbfs
    head_low, head_high = acx.head_room_tone
    tail_low, tail_high = acx.tail_room_tone
    m = measurement
    rules = (
        RuleResult(
            "RMS",
            f"{low:g} to {high:g} dBFS",
            f"{m.rms_dbfs:.1f} dBFS",
            low <= m.rms_dbfs <= high,
        ),
        RuleResult(
            "Peak",
            f"≤ {acx.true_peak_dbtp:g} dBFS",
            f"{m.true_peak_dbtp:.1f} dBTP (true peak)",
            m.true_peak_dbtp <= acx.true_peak_dbtp,
        ),
        RuleResult(
            "Noise floor",
            f"≤ {acx.noise_floor_dbfs:g} dBFS RMS",
            f"{m.noise_floor_dbfs:.1f} dBFS",
            m.noise_floor_dbfs <= acx.noise_floor_dbfs,
        ),
        RuleResult(
            "Room tone, head",
            f"{head_low:g}–{head_high:g} s",
            f"{m.speech_start:.2f} s",
            head_low <= m.speech_start <= head_high,
        ),
        RuleResult(
            "Room tone, tail",
            f"{tail_low:g}–{tail_high:g} s",
            f"{m.speech_tail:.2f} s",
            tail_low <= m.speech_tail <= tail_high,
        ),
        _format_rule(path),
    )
    return FileReport(name, rules)


def _format_rule(path: Path) -> RuleResult:
    requirement = f"MP3, ≥ {_ACX_BITRATE} kbps CBR, {_ACX_RATE / 1000:g} kHz"
    if path.suffix.lower() != ".mp3":
        return RuleResult("Format", requirement, f"{path.suffix.lstrip('.').upper()}", False)
    import mutagen.mp3

    info: Any = mutagen.mp3.MP3(path).info
    kbps = round(info.bitrate / 1000)
    cbr = info.bitrate_mode in (mutagen.mp3.BitrateMode.CBR, mutagen.mp3.BitrateMode.UNKNOWN)
    measured = f"MP3, {kbps} kbps {'CBR' if cbr else 'VBR'}, {info.sample_rate / 1000:g} kHz"
    return RuleResult(
        "Format",
        requirement,
        measured,
        kbps >= _ACX_BITRATE and cbr and info.sample_rate == _ACX_RATE,
    )


def write_report(folder: Path, reports: list[FileReport]) -> Path:
    """``acx-report.json`` (for programs) and ``acx-report.txt`` (for people) in ``folder``."""
    data = {
        "passed": all(report.passed for report in reports),
        "files": [
            {"file": r.file, "passed": r.passed, "rules": [asdict(x) for x in r.rules]}
            for r in reports
        ],
    }
    path = folder / REPORT_JSON
    write_if_changed(path, (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode("utf-8"))
    write_if_changed(folder / REPORT_TEXT, report_text(reports).encode("utf-8"))
    return path


def report_text(reports: list[FileReport]) -> str:
    verdict = "PASS" if all(r.passed for r in reports) else "FAIL"
    lines = [
        f"ACX check: {verdict} ({sum(r.passed for r in reports)} of {len(reports)} files pass)",
        "",
    ]
    for report in reports:
        lines.append(f"{report.file}: {'pass' if report.passed else 'FAIL'}")
        for rule in report.rules:
            mark = "ok  " if rule.passed else "FAIL"
            lines.append(f"  {mark} {rule.rule}: {rule.measured} (needs {rule.requirement})")
    return "\n".join(lines) + "\n"

"""Deliverables on the real model: presets measured back from the decoded files, captions parsed
back, the joined file's chapters read back, ACX rules checked by measurement, the cache.

Every figure is measured here, from the files, with the libraries themselves (pyloudnorm for
loudness, soxr for true peak, mutagen for tags and chapters, pysubs2 and webvtt-py for captions),
not taken from what the studio says about its own files.
"""

from __future__ import annotations

import itertools
import re
from pathlib import Path
from typing import Any

import mutagen.id3
import mutagen.mp4
import numpy as np
import pyloudnorm
import pysubs2
import pytest
import soundfile
import soxr
import webvtt

from studio.project.export_settings import ExportSettings
from studio.project.model import Project, Scene, copy_project
from studio.render.events import SceneDone, SceneProgress
from studio.render.export import render_project
from studio.render.extras import JoinedWritten, ReportWritten
from tests.audio_checks import assert_mp3_spec
from tests.file_limits import file_size_limit

pytestmark = pytest.mark.model

RATE = 44_100
# Two voices that Kokoro voices at different levels (about -25.5 and -22.9 LUFS).
SCENES = [
    ("Opening", "af_heart", "Welcome to the harbour town. The boats are coming home at dusk."),
    ("The Storm", "bf_emma", "The wind rose over the hills, and the rain came down hard."),
]


def _render(project: Project, engine: Any, **settings: Any) -> list[Any]:
    return list(render_project(project, engine, settings=ExportSettings(**settings)))


def _decoded(path: Path) -> np.ndarray:
    audio, rate = soundfile.read(str(path), dtype="float32")
    assert rate == RATE and audio.ndim == 1
    return audio


def _lufs(audio: np.ndarray) -> float:
    return float(pyloudnorm.Meter(RATE).integrated_loudness(audio))


def _true_peak(audio: np.ndarray) -> float:
    return float(20 * np.log10(np.abs(soxr.resample(audio, RATE, 4 * RATE, "VHQ")).max()))


def _onset(audio: np.ndarray) -> float:
    """Where speech starts: the first 10 ms frame within 40 dB of the loudest frame."""
    frames = audio[: len(audio) // 441 * 441].reshape(-1, 441)
    level = 10 * np.log10(np.mean(frames.astype(np.float64) ** 2, axis=1) + 1e-20)
    return float(np.flatnonzero(level > level.max() - 40)[0] * 0.01)


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", text.lower())


@pytest.fixture(scope="module")
def podcast(tmp_path_factory: pytest.TempPathFactory, engine: Any) -> tuple[Project, list[Any]]:
    """Two scenes, two voices, the podcast preset, captions, a joined MP3 and an M4B."""
    scenes = [Scene(text, title, voice) for title, voice, text in SCENES]
    project = Project.create(
        tmp_path_factory.mktemp("podcast") / "show",
        "The Show",
        scenes,
        author="Ann Author",
        narrator="Ned Narrator",
    )
    events = _render(project, engine, preset="podcast", captions=True, join=True, m4b=True)
    return project, events


def _scene_files(project: Project, suffix: str = ".mp3") -> list[Path]:
    return sorted(project.audio_dir.glob(f"*{suffix}"))


def test_podcast_scenes_land_on_target_whatever_the_voice(podcast: Any) -> None:
    project, events = podcast
    raw_levels = []
    for scene in project.scenes:
        raw = np.concatenate(
            [e.chunk.audio for e in events if isinstance(e, SceneProgress) and e.scene is scene]
        )
        raw_levels.append(float(pyloudnorm.Meter(24_000).integrated_loudness(raw)))
    assert abs(raw_levels[0] - raw_levels[1]) > 1.5, raw_levels  # the voices differ as voiced

    for path in _scene_files(project):
        audio = _decoded(path)
        assert _lufs(audio) == pytest.approx(-16.0, abs=0.5), path.name
        assert _true_peak(audio) <= -1.0, path.name
        assert_mp3_spec(path, 128)
    joined = _decoded(project.folder / "the-show.mp3")
    assert _lufs(joined) == pytest.approx(-16.0, abs=0.5)
    assert _true_peak(joined) <= -1.0


def test_the_manifest_records_what_the_files_measure(podcast: Any) -> None:
    project, events = podcast
    import json

    manifest = json.loads((project.audio_dir / "manifest.json").read_text())
    for entry in manifest["scenes"].values():
        audio = _decoded(project.folder / entry["file"])
        figures = entry["loudness"]
        assert entry["preset"] == "podcast"
        assert figures["integrated_lufs"] == pytest.approx(_lufs(audio), abs=0.02)
        assert figures["true_peak_dbtp"] == pytest.approx(_true_peak(audio), abs=0.1)
        rms = 10 * np.log10(np.mean(audio.astype(np.float64) ** 2))
        assert figures["rms_dbfs"] == pytest.approx(rms, abs=0.02)
        assert figures["noise_floor_dbfs"] < -60
    done = [e for e in events if isinstance(e, SceneDone)]
    assert [round(e.measurement.integrated_lufs, 1) for e in done] == [
        round(e["loudness"]["integrated_lufs"], 1) for e in manifest["scenes"].values()
    ]


def _check_captions(srt: Path, vtt: Path, text: str, audio: np.ndarray) -> list[Any]:
    from_srt = pysubs2.load(str(srt))
    from_vtt = list(webvtt.read(str(vtt)))
    assert len(from_srt) == len(from_vtt) > 0
    assert _words(" ".join(e.plaintext for e in from_srt)) == _words(text)
    assert _words(" ".join(c.text for c in from_vtt)) == _words(text)
    duration = len(audio) / RATE
    for event in from_srt:
        lines = event.plaintext.split("\n")
        assert len(lines) <= 2 and all(len(line) <= 42 for line in lines)
        assert 0 <= event.start < event.end <= duration * 1000 + 1
    for before, after in itertools.pairwise(from_srt):
        assert before.end <= after.start
    assert abs(from_srt[0].start / 1000 - _onset(audio)) <= 0.15
    return list(from_srt)


def test_captions_say_every_word_in_time(podcast: Any) -> None:
    project, _ = podcast
    for path, (_title, _voice, text) in zip(_scene_files(project), SCENES, strict=True):
        _check_captions(path.with_suffix(".srt"), path.with_suffix(".vtt"), text, _decoded(path))


def test_the_joined_file_has_a_chapter_per_scene_and_every_file_is_tagged(podcast: Any) -> None:
    project, events = podcast
    joined = project.folder / "the-show.mp3"
    lengths = [len(_decoded(path)) / RATE for path in _scene_files(project)]
    starts = np.concatenate([[0.0], np.cumsum(lengths)[:-1]])
    id3 = mutagen.id3.ID3(joined)
    toc = id3.getall("CTOC")[0]
    chapters = [id3[f"CHAP:{element}"] for element in toc.child_element_ids]
    assert [str(c.sub_frames["TIT2"]) for c in chapters] == ["Opening", "The Storm"]
    for chapter, start, length in zip(chapters, starts, lengths, strict=True):
        assert chapter.start_time / 1000 == pytest.approx(start, abs=0.010)
        assert chapter.end_time / 1000 == pytest.approx(start + length, abs=0.010)
    assert len(_decoded(joined)) / RATE == pytest.approx(sum(lengths), abs=0.010)
    assert next(e for e in events if isinstance(e, JoinedWritten)).unchanged is False

    for number, path in enumerate(_scene_files(project), 1):
        tags = mutagen.id3.ID3(path)
        assert str(tags["TIT2"]) == SCENES[number - 1][0]
        assert str(tags["TPE1"]) == "Ann Author"  # the book's author, never a voice id
        assert str(tags["TCOM"]) == "Ned Narrator"
        assert str(tags["TALB"]) == "The Show" and str(tags["TRCK"]) == f"{number}/2"
    assert str(id3["TALB"]) == "The Show" and str(id3["TPE1"]) == "Ann Author"

    # the joined captions are the scenes' captions, moved by where each chapter starts
    text = " ".join(t for _, _, t in SCENES)
    cues = _check_captions(
        joined.with_suffix(".srt"), joined.with_suffix(".vtt"), text, _decoded(joined)
    )
    second = pysubs2.load(str(_scene_files(project)[1].with_suffix(".srt")))
    first_of_second = next(c for c in cues if c.start >= starts[1] * 1000)
    assert first_of_second.start == pytest.approx(second[0].start + starts[1] * 1000, abs=2)

    m4b = mutagen.mp4.MP4(project.folder / "the-show.m4b")
    assert [c.title for c in m4b.chapters] == ["Opening", "The Storm"]
    assert m4b.tags is not None and m4b.tags["\xa9ART"] == ["Ann Author"]
    assert m4b.tags["\xa9wrt"] == ["Ned Narrator"]
    for chapter, start in zip(m4b.chapters, starts, strict=True):
        assert chapter.start == pytest.approx(start, abs=0.010)
    assert m4b.info.length == pytest.approx(sum(lengths), abs=0.05)


def _mtimes(project: Project) -> dict[str, int]:
    return {
        str(p.relative_to(project.folder)): p.stat().st_mtime_ns
        for p in project.folder.rglob("*")
        if p.is_file()
    }


def test_an_unchanged_reexport_writes_nothing(podcast: Any, engine: Any) -> None:
    project, _ = podcast
    before = _mtimes(project)
    events = _render(project, engine, preset="podcast", captions=True, join=True, m4b=True)
    assert [e.status for e in events if isinstance(e, SceneDone)] == ["cached", "cached"]
    assert next(e for e in events if isinstance(e, JoinedWritten)).unchanged
    assert _mtimes(project) == before


@pytest.fixture(scope="module")
def acx(
    podcast: Any, tmp_path_factory: pytest.TempPathFactory, engine: Any
) -> tuple[Project, list[Any]]:
    """The same project exported for ACX: the preset changed, so every scene is rendered again."""
    project = copy_project(podcast[0], tmp_path_factory.mktemp("acx") / "book")
    return project, _render(project, engine, preset="acx", captions=True)


def _noise_floor(audio: np.ndarray) -> float:
    frames = audio[: len(audio) // 441 * 441].reshape(-1, 441).astype(np.float64)
    energy = np.convolve(np.mean(frames**2, axis=1), np.ones(50) / 50, mode="valid")
    return float(10 * np.log10(energy.min() + 1e-20))


def test_acx_files_pass_every_rule_as_measured(acx: Any) -> None:
    project, events = acx
    assert [e.status for e in events if isinstance(e, SceneDone)] == ["rendered", "rendered"]
    for path, (_t, _v, text) in zip(_scene_files(project), SCENES, strict=True):
        audio = _decoded(path)
        rms = 10 * np.log10(np.mean(audio.astype(np.float64) ** 2))
        assert -23 <= rms <= -18, path.name
        assert 20 * np.log10(np.abs(audio).max()) <= -3 and _true_peak(audio) <= -3
        assert _noise_floor(audio) <= -60
        assert 0.5 <= _onset(audio) <= 1.0
        reversed_onset = _onset(audio[::-1].copy())
        assert 1.0 <= reversed_onset <= 5.0  # room tone after the last word
        assert_mp3_spec(path, 192)
        # captions moved with the speech, past the room tone at the head
        _check_captions(path.with_suffix(".srt"), path.with_suffix(".vtt"), text, audio)
    report = next(e for e in events if isinstance(e, ReportWritten))
    assert report.passed and len(report.reports) == 2
    assert all(rule.passed for r in report.reports for rule in r.rules)
    assert "ACX check: PASS" in (project.audio_dir / "acx-report.txt").read_text()


def test_broadcast_flac_replaces_the_mp3s(podcast: Any, tmp_path: Path, engine: Any) -> None:
    project = copy_project(podcast[0], tmp_path / "radio")
    events = _render(project, engine, preset="broadcast", format="flac", captions=True)
    assert [e.status for e in events if isinstance(e, SceneDone)] == ["rendered", "rendered"]
    assert not _scene_files(project, ".mp3")
    for path in _scene_files(project, ".flac"):
        assert soundfile.info(str(path)).subtype == "PCM_24"
        audio = _decoded(path)
        assert _lufs(audio) == pytest.approx(-23.0, abs=0.5) and _true_peak(audio) <= -1.0
        assert path.with_suffix(".srt").is_file()
    assert len(list(project.audio_dir.glob("*.srt"))) == 2  # the MP3s' captions went with them


def test_a_voice_without_word_timings_gets_sentence_cues(tmp_path: Path, engine: Any) -> None:
    text = "Le bateau arrive au port. La pluie tombe sur la ville."
    project = Project.create(tmp_path / "fr", "Fr", [Scene(text, "Port", "ff_siwis")])
    events = _render(project, engine, captions=True)
    chunks = [e.chunk for e in events if isinstance(e, SceneProgress)]
    assert chunks and not any(c.words for c in chunks)  # French: no word timings
    path = _scene_files(project)[0]
    cues = _check_captions(path.with_suffix(".srt"), path.with_suffix(".vtt"), text, _decoded(path))
    assert len(cues) == 2  # a cue per sentence


def test_a_full_disk_halfway_through_the_joined_file_leaves_nothing_partial(
    podcast: Any, tmp_path: Path, engine: Any
) -> None:
    from studio.errors import ErrorCode, StudioError

    project = copy_project(podcast[0], tmp_path / "full")
    for joined in project.folder.glob("the-show.*"):
        joined.unlink()
    before = {p.name: p.read_bytes() for p in project.audio_dir.glob("*.mp3")}
    # Every scene is cached; the joined file is the first to outgrow the largest scene file.
    with (
        file_size_limit(max(map(len, before.values())) + 1024),
        pytest.raises(StudioError) as caught,
    ):
        _render(project, engine, preset="podcast", captions=True, join=True, m4b=True)
    assert caught.value.code is ErrorCode.IO_ERROR and "the-show.mp3" in caught.value.message
    assert sorted(p.name for p in project.folder.iterdir()) == ["audio", "project.json"]
    assert not list(project.folder.rglob(".ns-tmp-*"))
    assert {p.name: p.read_bytes() for p in project.audio_dir.glob("*.mp3")} == before


def test_a_retitled_scene_keeps_its_audio_and_captions_under_the_new_name(
    podcast: Any, tmp_path: Path, engine: Any
) -> None:
    project = copy_project(podcast[0], tmp_path / "retitled")
    project.scenes[0].title = "Prologue"
    project.save()
    events = _render(project, engine, preset="podcast", captions=True, join=True, m4b=True)
    assert [e.status for e in events if isinstance(e, SceneDone)] == ["cached", "cached"]
    names = sorted(p.name for p in project.audio_dir.glob("01-*"))
    assert names == ["01-prologue.mp3", "01-prologue.srt", "01-prologue.vtt"]
    assert str(mutagen.id3.ID3(project.audio_dir / "01-prologue.mp3")["TIT2"]) == "Prologue"
    joined = mutagen.id3.ID3(project.folder / "the-show.mp3")
    assert str(joined["CHAP:chp1"].sub_frames["TIT2"]) == "Prologue"


def test_a_new_project_exports_at_podcast_loudness_without_any_option(
    tmp_path: Path, engine: Any
) -> None:
    project = Project.create(tmp_path / "new", "New", [Scene(SCENES[0][2], "One", "af_sarah")])
    list(render_project(project, engine))  # the project's own settings: none were chosen
    (path,) = _scene_files(project)
    audio = _decoded(path)
    assert _lufs(audio) == pytest.approx(-16.0, abs=0.5)
    assert _true_peak(audio) <= -1.0

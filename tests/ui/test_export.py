"""Export goes on past a failing scene and names every failure, checked before rendering starts;
the window stays usable meanwhile, and a preview is heard without waiting for the export
(issue 15, item 2; issue 13, "a preview waits behind an export")."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from studio.project.model import Project, Scene
from studio.render.events import SceneProgress, ScenesChecked
from studio.settings import Settings
from studio.ui.config import StudioConfig
from tests.audio_checks import assert_mp3_spec
from tests.ui.conftest import BROKEN_VOICE, PulseServer
from tests.ui.drive import click, press

LONG = (
    "The harbor was quiet before dawn. Gulls circled over the empty boats. "
    "A bell rang twice from the old church. Then the first fishermen arrived."
)


def open_project(config: StudioConfig, scenes: list[Scene]) -> None:
    """Make a project and remember it, so that the window opens it."""
    folder = config.documents_dir / "Narration Studio" / "Harbor"
    Project.create(folder, "Harbor", scenes)
    Settings(recent_projects=[str(folder)]).save(config.settings_path)


def statuses(dialog: Any) -> list[str]:
    return [dialog.table.item(row, 2).text() for row in range(dialog.table.rowCount())]


def test_export_goes_on_past_failing_scenes_and_lists_them_with_reasons(
    qtbot: Any, make_window: Callable[..., Any], broken_voice_config: StudioConfig
) -> None:
    open_project(
        broken_voice_config,
        [
            Scene(title="Opening", text="The boats come home."),
            Scene(title="Dots", text="... !!! ???"),
            Scene(title="Nicole", text="This voice file is damaged.", voice=BROKEN_VOICE),
            Scene(title="Closing", text="Night falls."),
        ],
    )
    window = make_window(broken_voice_config)
    seen_at_first_sentence: list[list[str]] = []
    checked: list[ScenesChecked] = []

    def follow(_job: int, event: object) -> None:
        if isinstance(event, ScenesChecked):
            checked.append(event)
        if isinstance(event, SceneProgress) and not seen_at_first_sentence:
            seen_at_first_sentence.append(statuses(window.export_dialog))

    press(qtbot, window.scene_list.view, "Ctrl+E")
    dialog = window.export_dialog
    window.worker.progress.connect(follow)
    click(qtbot, dialog.export_button)
    qtbot.waitUntil(lambda: dialog.outcome != "", timeout=300_000)

    # Before the first sentence was rendered, the dialog already said which scenes would fail.
    assert [f.scene.title for f in checked[0].failing] == ["Dots", "Nicole"]
    assert seen_at_first_sentence[0][1:3] == ["Will fail", "Will fail"]
    # The others were exported all the same; the failures are listed with their reasons.
    assert dialog.outcome == "partly", dialog.message.text()
    assert [s.split(" ·")[0] for s in statuses(dialog)] == [
        "Rendered",
        "Failed",
        "Failed",
        "Rendered",
    ]
    message = dialog.message.text()
    assert message.startswith("2 failed, 2 rendered, 0 unchanged")
    assert "Scene 2 'Dots': Nothing to voice" in message
    assert (
        "Scene 3 'Nicole': Voice file" in message and "Download the model's voices again" in message
    )
    assert dialog.table.item(1, 2).toolTip().startswith("Scene 2 'Dots': Nothing to voice")
    audio = window.session.project.audio_dir
    assert_mp3_spec(audio / "01-opening.mp3")
    assert_mp3_spec(audio / "04-closing.mp3")
    assert sorted(p.name for p in audio.glob("*.mp3")) == ["01-opening.mp3", "04-closing.mp3"]
    assert dialog.open_button.isEnabled()


def test_a_preview_is_heard_while_an_export_runs(
    qtbot: Any, make_window: Callable[..., Any], studio_config: StudioConfig, pulse: PulseServer
) -> None:
    open_project(studio_config, [Scene(title=f"Part {n}", text=LONG) for n in range(1, 5)])
    window = make_window(studio_config)
    press(qtbot, window.scene_list.view, "Ctrl+E")
    dialog = window.export_dialog
    assert not dialog.isModal()  # the window stays usable
    click(qtbot, dialog.export_button)
    qtbot.waitUntil(lambda: statuses(dialog)[0].startswith("Rendering"), timeout=120_000)

    exporting_when_heard: list[bool] = []
    window.player.started.connect(lambda: exporting_when_heard.append(dialog.outcome == ""))
    window.scene_list.select_row(3)
    with qtbot.waitSignal(window.player.started, timeout=120_000):
        press(qtbot, window.scene_list.view, "Space")
    assert exporting_when_heard == [True]  # the preview did not wait for the export
    window.listener.stop()
    qtbot.waitUntil(lambda: dialog.outcome != "", timeout=300_000)
    assert dialog.outcome == "finished", dialog.message.text()
    assert all(s.startswith("Rendered") for s in statuses(dialog))

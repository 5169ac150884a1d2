"""The window's listening commands: play or stop the scene, play it from a sentence, hear a
voice's sample, and say next to what was asked for why nothing is heard."""

from __future__ import annotations

from PySide6.QtGui import QAction

from studio.engine.request import SpeechRequest
from studio.errors import ErrorCode, StudioError
from studio.speech.text import validate_text
from studio.speech.voices import parse_voice
from studio.ui.banner import MessageBanner
from studio.ui.direction_model import DirectionModel
from studio.ui.listen import Listener, Listening
from studio.ui.scene_editor import SceneEditor
from studio.ui.scene_model import display_title
from studio.ui.session import ProjectSession
from studio.ui.status import StatusPanel
from studio.ui.voice_picker import VoicePicker


class ListeningActions:
    """The main window's listening commands (studio.ui.main_window.MainWindow inherits them);
    the window makes the attributes below."""

    listener: Listener
    session: ProjectSession
    editor: SceneEditor
    status: StatusPanel
    direction: DirectionModel
    voices: VoicePicker
    scene_banner: MessageBanner
    voice_banner: MessageBanner
    model_action: QAction

    def toggle_play(self) -> None:
        if self.listener.current is not None:
            self.listener.stop()
        else:
            self.preview_scene()

    def preview_scene(self) -> None:
        self.scene_banner.dismiss()
        self.editor.finish_editing()
        scene_id = self.editor.scene_id
        if not scene_id:
            self.status.note("Select a scene to play.", "error")
            return
        scene = self.session.model.scene_by_id(scene_id)
        voice = self.session.model.voice_of(scene)
        what = Listening(
            "scene",
            scene_id,
            f"{display_title(scene, self.session.model.row_of(scene_id))} · {voice}",
        )
        try:
            validate_text(scene.text, subject="this scene")
            parse_voice(voice)
        except StudioError as exc:
            self._listening_failed(what, exc.code.value, exc.user_text())
            return
        direction = self.session.project.scene_direction(scene, self.direction.direction())
        self.listener.play(what, SpeechRequest(scene.text, voice, scene.speed, direction))

    def play_scene_from(self, index: int, sentences: int | None = None) -> None:
        """Play the shown scene from the sentence at ``index`` of its text (double-click)."""
        scene_id = self.editor.scene_id
        if not scene_id:
            return
        scene = self.session.model.scene_by_id(scene_id)
        voice = self.session.model.voice_of(scene)
        number = self.session.model.row_of(scene_id) + 1
        label = f"Scene {number} · {voice}"
        direction = self.session.project.scene_direction(scene, self.direction.direction())
        request = SpeechRequest(scene.text, voice, scene.speed, direction, index, sentences)
        self.listener.play(Listening("scene", scene_id, label), request)

    def preview_voice(self, spec: str, text: str) -> None:
        self.voice_banner.dismiss()
        self.listener.play(Listening("voice", spec, f"Sample · {spec}"), SpeechRequest(text, spec))

    def _listening_failed(self, what: Listening | None, code: str, message: str) -> None:
        """Say why nothing is heard next to what the user asked to hear, and in the status bar."""
        banner = (
            self.voice_banner if what is not None and what.kind == "voice" else self.scene_banner
        )
        fix = self.model_action if code == ErrorCode.MODEL_NOT_FOUND.value else None
        banner.show_error(message, fix)
        self.status.note(message, "error", 12000)

    def use_voice(self, spec: str) -> None:
        if self.editor.scene_id:
            self.session.model.edit(self.editor.scene_id, "voice", spec)

    def _listening_changed(self, what: Listening | None) -> None:
        self.voices.set_playing(what.target if what and what.kind == "voice" else None)

"""project.json as stored, as pydantic models: the shape ``Project.load`` checks, and the JSON
Schema the docs publish.

Every key but ``schema``, ``version`` and ``scenes`` may be left out. Keys this version does not
know are kept at the top level (a newer version's), and ignored inside a scene. What a type
cannot say is checked after: a speed in range, unique scene ids, a lexicon entry's phonemes, a
cast member's name.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, WithJsonSchema

from studio.direction.lexicon import lexicon_entry_schema
from studio.project.export_settings import ExportSettingsFile

SCHEMA_NAME = "narration-studio/project"
SCHEMA_VERSION = 2
MAX_PAUSE_AFTER = 30.0
DEFAULT_PAUSE_AFTER = 0.5
#: A scene of any length renders, but past this many characters the studio offers to split it,
#: and a script's paragraph is imported as several scenes: shorter scenes are easier to direct,
#: preview and re-render.
LONG_SCENE_CHARS = 5000

_CAST_MEMBER_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "name": {"type": "string", "description": "As it starts a speaker line: NAME:"},
        "voice": {"type": "string", "description": "The member's voice; empty: not yet cast."},
    },
    "required": ["name"],
}


class SceneFile(BaseModel):
    """One scene as stored."""

    model_config = ConfigDict(strict=True, extra="ignore")

    id: str = Field("", description="Stable across edits; a new one is made when empty.")
    title: str = ""
    text: str = Field("", description="Any length; may use the direction grammar (version 2).")
    voice: str | None = Field(None, description="None: the project's default voice.")
    speed: Annotated[Any, WithJsonSchema({"type": "number", "minimum": 0.5, "maximum": 2.0})] = (
        1.0  # checked by validate_speed, whose message the studio shows everywhere
    )
    pause_after: float = Field(DEFAULT_PAUSE_AFTER, ge=0, le=MAX_PAUSE_AFTER)
    dialogue_voice: str | None = Field(None, description="Quoted speech's voice in this scene.")


class ReviewedWord(BaseModel):
    """A word the pronunciation review was told reads right, and the reading it had."""

    model_config = ConfigDict(strict=True, extra="ignore")

    word: str = ""
    reading: str = ""


class ProjectFile(BaseModel):
    """The whole of project.json."""

    model_config = ConfigDict(strict=True, extra="allow", populate_by_name=True)

    schema_name: Literal["narration-studio/project"] = Field(alias="schema")
    version: int = Field(ge=1, le=SCHEMA_VERSION, description="1 is migrated on first save.")
    title: str = ""
    author: str = ""
    narrator: str = ""
    default_voice: str = Field("", description="Empty: the studio's default voice.")
    dialogue_voice: str = Field("", description="Quoted speech's voice; empty: none.")
    scenes: list[SceneFile]
    # Checked by their own readers, which say which entry or member is wrong.
    lexicon: Annotated[Any, WithJsonSchema({"type": "array", "items": lexicon_entry_schema()})] = (
        Field(default_factory=list)
    )
    cast: Annotated[Any, WithJsonSchema({"type": "array", "items": _CAST_MEMBER_SCHEMA})] = Field(
        default_factory=list
    )
    export: Annotated[Any, WithJsonSchema(ExportSettingsFile.model_json_schema())] = None
    reviewed: list[ReviewedWord] = Field(default_factory=list)


def read_project_file(raw: dict[str, Any]) -> ProjectFile:
    """The file's contents checked; ValueError saying what is wrong, and where."""
    try:
        return ProjectFile.model_validate(raw)
    except ValidationError as exc:
        raise ValueError(_problem(exc.errors()[0])) from None


def _problem(error: Any) -> str:
    location, value = error["loc"], error["input"]
    key = str(location[-1])
    if key == "pause_after":
        return f"pause_after must be 0 to {MAX_PAUSE_AFTER:g} seconds, not {value!r}"
    if location[0] == "reviewed":
        if len(location) == 1:
            return "'reviewed' must be a list"
        if len(location) == 2:
            return "each 'reviewed' item must be an object"
    if location[0] == "scenes" and len(location) == 1:
        return "'scenes' must be a list of scenes"
    if location[0] == "scenes" and len(location) == 2:
        return f"scene {int(location[1]) + 1} must be an object"
    if location[0] == "scenes" and key in ("voice", "dialogue_voice"):
        return f"a scene's '{key}' must be text"
    if error["type"] == "missing":
        return f"'{key}' is missing"
    return f"'{key}' must be text, not {type(value).__name__}"

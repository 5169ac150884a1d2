"""The Kokoro v1.0 voice catalogue, the seed's named profiles, and voice specs with blends.

A *voice spec* is what users type: a voice id (``af_heart``), a profile (``sarah``) or a blend
(``af_bella:60,af_sky:40``). ``parse_voice`` turns it into weighted voice ids or raises
``TTS_INVALID_VOICE`` listing valid names.
"""

from __future__ import annotations

from dataclasses import dataclass

from studio.errors import ErrorCode, StudioError, did_you_mean

#: Kokoro language code -> (display language, misaki/espeak language name).
LANGUAGES: dict[str, str] = {
    "a": "American English",
    "b": "British English",
    "e": "Spanish",
    "f": "French",
    "h": "Hindi",
    "i": "Italian",
    "j": "Japanese",
    "p": "Brazilian Portuguese",
    "z": "Mandarin Chinese",
}

# id -> overall grade from hexgrad/Kokoro-82M VOICES.md ("" where the model card gives none).
_GRADES: dict[str, str] = {
    "af_heart": "A", "af_alloy": "C", "af_aoede": "C+", "af_bella": "A-", "af_jadzia": "",
    "af_jessica": "D", "af_kore": "C+", "af_nicole": "B-", "af_nova": "C", "af_river": "D",
    "af_sarah": "C+", "af_sky": "C-",
    "am_adam": "F+", "am_echo": "D", "am_eric": "D", "am_fenrir": "C+", "am_liam": "D",
    "am_michael": "C+", "am_onyx": "D", "am_puck": "C+", "am_santa": "D-",
    "bf_alice": "D", "bf_emma": "B-", "bf_isabella": "C", "bf_lily": "D",
    "bm_daniel": "D", "bm_fable": "C", "bm_george": "C", "bm_lewis": "D+",
    "ef_dora": "", "em_alex": "", "em_santa": "",
    "ff_siwis": "B-",
    "hf_alpha": "C", "hf_beta": "C", "hm_omega": "C", "hm_psi": "C",
    "if_sara": "C", "im_nicola": "C",
    "jf_alpha": "C+", "jf_gongitsune": "C", "jf_nezumi": "C-", "jf_tebukuro": "C", "jm_kumo": "C-",
    "pf_dora": "", "pm_alex": "", "pm_santa": "",
    "zf_xiaobei": "D", "zf_xiaoni": "D", "zf_xiaoxiao": "D", "zf_xiaoyi": "D",
    "zm_yunjian": "D", "zm_yunxi": "D", "zm_yunxia": "D", "zm_yunyang": "D",
}  # fmt: skip

#: The seed's named profiles, each an alias for a Kokoro voice chosen for clarity.
PROFILES: dict[str, str] = {
    "sarah": "af_sarah",
    "james": "bm_george",
    "emma": "bf_emma",
    "michael": "am_michael",
    "olivia": "af_heart",
}

DEFAULT_VOICE = "af_heart"


@dataclass(frozen=True)
class Voice:
    """One Kokoro voice: its id, language code, gender, display name and quality grade."""

    id: str
    lang: str
    gender: str
    name: str
    grade: str

    @property
    def language(self) -> str:
        return LANGUAGES[self.lang]

    @property
    def label(self) -> str:
        """A one-line description for lists: 'Heart — American English, female, grade A'."""
        grade = f", grade {self.grade}" if self.grade else ""
        return f"{self.name} — {self.language}, {self.gender}{grade}"


def _voice_from_id(voice_id: str) -> Voice:
    prefix, name = voice_id.split("_", 1)
    gender = "female" if prefix[1] == "f" else "male"
    return Voice(voice_id, prefix[0], gender, name.capitalize(), _GRADES[voice_id])


CATALOG: dict[str, Voice] = {vid: _voice_from_id(vid) for vid in _GRADES}


@dataclass(frozen=True)
class VoiceSpec:
    """A parsed voice spec: voice ids with weights that sum to 1, and the language to speak."""

    parts: tuple[tuple[str, float], ...]

    @property
    def lang(self) -> str:
        """The language of the first (or only) voice; a blend speaks its first voice's language."""
        return CATALOG[self.parts[0][0]].lang

    @property
    def canonical(self) -> str:
        """A stable text form, used in cache keys: 'af_heart' or 'af_bella:0.6,af_sky:0.4'."""
        if len(self.parts) == 1:
            return self.parts[0][0]
        return ",".join(f"{vid}:{weight:.4g}" for vid, weight in self.parts)


def valid_names() -> list[str]:
    return sorted(PROFILES) + sorted(CATALOG)


def _unknown_voice(name: str, spec: str) -> StudioError:
    return StudioError(
        ErrorCode.INVALID_VOICE,
        f"Voice '{name}' not found.{did_you_mean(name, valid_names())} "
        f"Available voices: {', '.join(valid_names())}",
        "Blend voices like 'af_bella:60,af_sky:40'." if "," in spec or ":" in spec else "",
    )


def resolve_id(name: str) -> str:
    """A voice id for a voice id or profile name; raises TTS_INVALID_VOICE otherwise."""
    key = name.strip().lower()
    key = PROFILES.get(key, key)
    if key not in CATALOG:
        raise _unknown_voice(name.strip(), name)
    return key


def parse_voice(spec: str) -> VoiceSpec:
    """Parse 'af_heart', 'sarah' or 'af_bella:60,af_sky:40' (weights are relative) into a VoiceSpec."""
    if not isinstance(spec, str) or not spec.strip():
        raise StudioError(
            ErrorCode.INVALID_VOICE,
            f"No voice given. Available voices: {', '.join(valid_names())}",
        )
    weighted: dict[str, float] = {}
    for item in spec.split(","):
        name, _, weight_text = item.partition(":")
        voice_id = resolve_id(name)
        try:
            weight = float(weight_text) if weight_text.strip() else 1.0
        except ValueError:
            weight = -1.0
        if not weight > 0 or weight == float("inf"):
            raise StudioError(
                ErrorCode.INVALID_VOICE,
                f"Blend weight '{weight_text}' for '{name.strip()}' is not a positive number.",
                "Write blends like 'af_bella:60,af_sky:40'.",
            )
        weighted[voice_id] = weighted.get(voice_id, 0.0) + weight
    total = sum(weighted.values())
    return VoiceSpec(tuple((vid, w / total) for vid, w in weighted.items()))


def list_voices(lang: str | None = None) -> list[Voice]:
    """Catalogue voices, best grade first, optionally for one language code or name."""
    wanted = None if lang is None else _lang_code(lang)
    voices = [v for v in CATALOG.values() if wanted is None or v.lang == wanted]
    return sorted(voices, key=lambda v: (v.lang, _grade_rank(v.grade), v.id))


def _lang_code(lang: str) -> str:
    key = lang.strip().lower()
    if key in LANGUAGES:
        return key
    by_name = {name.lower(): code for code, name in LANGUAGES.items()}
    if key in by_name:
        return by_name[key]
    raise StudioError(
        ErrorCode.INVALID_INPUT,
        f"Unknown language '{lang}'.{did_you_mean(key, list(LANGUAGES) + list(by_name))}",
        "Use a code: " + ", ".join(f"{c} ({n})" for c, n in LANGUAGES.items()) + ".",
    )


def _grade_rank(grade: str) -> float:
    if not grade:
        return 99.0
    base = "ABCDF".index(grade[0]) * 3.0
    return base + {"+": 0.0, "-": 2.0}.get(grade[1:], 1.0)

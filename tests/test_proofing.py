"""The pronunciation review, on the real phonemizer (misaki and espeak-ng): what it lists, what
it leaves out, and the ``check`` command's output and marks. No model and no synthesis."""

from __future__ import annotations

import json
from pathlib import Path

from studio.direction.cast import Cast
from studio.direction.lexicon import Lexicon, LexiconEntry
from studio.direction.plan import Direction, Passage, plan_read
from studio.project.model import Project, Scene
from studio.project.script_import import scenes_from_script
from studio.proofing.review import review_project
from studio.speech.respelling import respell
from tests.conftest import run_cli

INVENTED = (
    "Xandrel",
    "Qorvath",
    "Thaloryn",
    "Velkaris",
    "Ombrethe",
    "Zirravon",
    "Kethmira",
    "Duvessan",
    "Brallowen",
    "Ysoldre",
    "Marrakesh-Vey",
    "Tolvanek",
)
CHAPTER = f"""# The Harbor

{INVENTED[0]} and {INVENTED[1]} walked down to the harbor before dawn. The wind was cold, and
the boats rocked against the stones. At 10:30 the ferry from {INVENTED[2]} came in, three hours
late, with 45 passengers and 2.5 tons of grain. Dr. Hale waited on Main St. with a lantern.

{INVENTED[3]} had sailed with {INVENTED[4]} for years. "Wind the rope," she said, and he did,
slowly, as a tear ran down his face. Nobody could read his mood; he had read the letter twice.

NARRATOR: Nobody on the quay said a word.

JAMES: We live by the sea, and we watch the live music in {INVENTED[5]} every summer.

# The Market

{INVENTED[6]} sold apples and bread at the market by the old church. {INVENTED[7]} bought two
loaves for $4 and a bag of salt. The road to {INVENTED[8]} was long and the weather was bad, so
the carts came slowly. {INVENTED[9]} counted the coins twice and smiled at the children who ran
between the stalls. In the evening {INVENTED[10]} and {INVENTED[11]} closed the gates, lit the
lamps and went home to their families, tired but happy after a good day of work & trade.
"""


def _project(tmp_path: Path) -> Project:
    project = Project.create(tmp_path / "book", "Book", scenes_from_script(CHAPTER))
    project.cast.set("JAMES", "am_michael")
    project.save()
    return project


def test_the_review_lists_invented_names_heteronyms_and_expansions(tmp_path: Path) -> None:
    project = _project(tmp_path)
    review = review_project(project)
    by_kind: dict[str, set[str]] = {}
    for entry in review.entries:
        by_kind.setdefault(entry.kind, set()).add(entry.word)
    assert set(INVENTED) <= by_kind["guessed"]
    ordinary = by_kind["guessed"] - set(INVENTED)
    assert len(ordinary) < 0.05 * review.distinct_words, ordinary
    assert {"wind", "live", "read", "tear"} <= {w.casefold() for w in by_kind["heteronym"]}
    assert {"10:30", "45", "2.5", "$4"} <= by_kind["number"]
    assert {"Dr.", "St."} <= by_kind["abbreviation"]
    assert "&" in by_kind["symbol"]

    # each reading of a heteronym is its own entry, as read where it occurs
    live = {e.reading for e in review.entries if e.word == "live"}
    read = {e.reading for e in review.entries if e.word == "read"}
    assert live == {"lˈɪv", "lˈIv"} and read == {"ɹˈid", "ɹˈɛd"}
    # what will be heard: the clock time and the street, as the reading fixes say them
    assert respell(next(e.reading for e in review.entries if e.word == "10:30")) == "tehn THUR-tee"
    assert next(e for e in review.entries if e.word == "St.").respelling == "street"
    qorvath = next(e for e in review.entries if e.word == INVENTED[1])
    assert qorvath.count == 1 and qorvath.scenes == [project.scenes[0].id]
    assert "harbor" in qorvath.sentence and qorvath.voice == "af_heart"

    assert [(label.label, label.count) for label in review.labels] == [("NARRATOR", 1)]


def test_directed_words_are_left_out(tmp_path: Path) -> None:
    project = _project(tmp_path)
    project.lexicon = Lexicon([LexiconEntry(INVENTED[0], say="zan drell")])
    project.scenes[0] = Scene(project.scenes[0].text.replace(INVENTED[1], "[Qorvath](/kˈɔɹvæθ/)"))
    review = review_project(project)
    listed = {e.word for e in review.entries}
    assert INVENTED[0] not in listed and INVENTED[1] not in listed and INVENTED[2] in listed


def test_an_unknown_speaker_label_is_not_spoken_in_a_project(tmp_path: Path) -> None:
    project = _project(tmp_path)
    text = "NARRATOR: Nobody on the quay said a word.\nJAMES: Hello.\nNote: a colon is prose."
    plan = plan_read(text, "af_heart", project.direction())
    spoken = [(p.voice, p.text.strip()) for p in plan.parts if isinstance(p, Passage)]
    assert spoken == [
        ("af_heart", "Nobody on the quay said a word."),
        ("am_michael", "Hello.\nNote: a colon is prose."),
    ]
    assert plan.silenced_labels == ("NARRATOR",)
    # a request to the service without the extension reads the text as written
    outside = plan_read(text, "af_heart", Direction.of((), Cast({"JAMES": "am_michael"})))
    assert "NARRATOR" in "".join(p.text for p in outside.parts if isinstance(p, Passage))


def test_check_prints_the_review_as_json_and_keeps_what_was_reviewed(
    tmp_path: Path, cli_env: dict[str, str]
) -> None:
    project = _project(tmp_path)
    folder = str(project.folder)
    result = run_cli(["check", folder, "--json"], cli_env)
    assert result.returncode == 0, result.stderr
    words = json.loads(result.stdout)["words"]
    assert all(
        set(w) == {"word", "kind", "count", "scenes", "reading", "respelling", "reviewed"}
        for w in words
    )
    assert {w["kind"] for w in words} == {
        "guessed",
        "heteronym",
        "number",
        "abbreviation",
        "symbol",
    }
    assert not any(w["reviewed"] for w in words)

    marked = run_cli(
        ["check", folder, "--json", "--reviewed", "Qorvath", "--reviewed", "read"], cli_env
    )
    assert marked.returncode == 0, marked.stderr
    after = {(w["word"], w["reading"]): w["reviewed"] for w in json.loads(marked.stdout)["words"]}
    assert after[("Qorvath", "kˈɔɹvæθ")] is True
    # 'read' is kept with one of its readings: the other reading is not reviewed
    assert sorted(v for (w, _), v in after.items() if w == "read") == [False, True]
    assert Project.load(project.folder).is_reviewed("qorvath", "kˈɔɹvæθ")

    text = run_cli(["check", folder], cli_env)
    assert "Qorvath" in text.stdout and "KOR-vath" in text.stdout
    assert "'NARRATOR:' is not in the cast" in text.stdout
    unknown = run_cli(["check", folder, "--reviewed", "Nonesuch"], cli_env)
    assert unknown.returncode != 0 and "Not in the review: 'Nonesuch'" in unknown.stderr


def test_respellings_read_like_a_dictionary() -> None:
    assert respell("kˈɔɹvæθ") == "KOR-vath"
    assert respell("wˈInd") == "wynd"
    assert respell("ˌIdˈiə") == "eye-DEE-uh"
    assert respell("twˈɛnti dˈɑləɹz") == "TWEHN-tee DAH-lerz"


def test_render_warns_up_front_and_still_renders(tmp_path: Path, cli_env: dict[str, str]) -> None:
    project = Project.create(tmp_path / "p", "P", [Scene("NARRATOR: Qorvath waved.", "One")])
    result = run_cli(["render", str(project.folder)], cli_env)
    assert result.returncode == 0, result.stderr
    said = " ".join(result.stderr.split())  # rich wraps long lines
    assert "1 word(s) the model guesses are not reviewed (Qorvath)" in said
    assert "speaker label 'NARRATOR:' is not in the cast; it is not spoken" in said
    assert "1 rendered" in said

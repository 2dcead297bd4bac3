"""The offline text provider: deterministic, topic-aware scripts, rewrites and panel prompts."""

from __future__ import annotations

import re

import pytest

from app.models.records import CastMember, SceneFeedback
from app.models.story import ComicScript, SceneDraft
from app.providers.offline_text import OfflineTextModel
from config import Settings
from external_services import ProviderError, StoryBrief, build_text_model
from master_prompts import ART_STYLES, ArtStyle

CANDY = "teach my kid not to accept candy from strangers"
LONG = (
    "Please help me teach my 6-year-old son not to accept candy, toys or rides from strangers at the park or "
    "outside school, and to always come and tell me or his teacher straight away if a grown-up he doesn't "
    "know tries to talk to him, offers him something, or asks him to keep a secret from us, because I worry "
    "about this a lot since we moved to a busier neighbourhood last spring and he plays outside."
)
ACCENTS = "Teach my élève to say “please” and “thank you” at the café"
# Each topic with words from it that the scenes must carry.
TOPICS = [
    (CANDY, ["candy", "strangers"]),
    ("teaching kids about sharing", ["share"]),
    ("Brushing teeth every night", ["brush", "teeth", "every night"]),
    ("screen time", ["screen time"]),
    ("being kind to a new classmate", ["kind to a new classmate"]),
    (LONG, ["candy", "toys", "rides", "strangers"]),
    (ACCENTS, ["“please”", "“thank you”", "café"]),
]
AGES = ["5-8", "9-12", "5-12"]
SETTINGS = re.compile(r"\b(home|park|school|street|shop|kitchen|bedroom|playground|bathroom|classroom|garden)\b")
LINE = re.compile(r'^([^:"\n]+): "(.+)"$')

mia = CastMember(
    character_type="girl_young",
    name="Mia",
    description="A curious seven-year-old girl with two black pigtails.",
    visual_tags=["child", "girl"],
    age_group="5-8",
)
dad = CastMember(
    character_type="parent_dad",
    name="Dad",
    description="A kind father with a short beard.",
    visual_tags=["adult", "man"],
    age_group="adult",
)
sam = CastMember(
    character_type="boy_teen",
    name="Sam",
    description="A thoughtful eleven-year-old boy with glasses.",
    visual_tags=["preteen", "boy"],
    age_group="9-12",
)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


async def _script(topic: str = CANDY, age_group: str = "5-8", panel_count: int = 6) -> ComicScript:
    return await OfflineTextModel().write_script(StoryBrief(topic, age_group, panel_count))


def _text(script: ComicScript) -> str:
    return " ".join(f"{s.description} {s.dialogue} {s.learning_point}" for s in script.scenes).lower()


def _spoken(scene: SceneDraft) -> list[str]:
    return [LINE.match(line).group(2) for line in scene.dialogue.split("\n")]


@pytest.mark.anyio
@pytest.mark.parametrize(("topic", "_words"), TOPICS)
@pytest.mark.parametrize("age_group", AGES)
async def test_the_same_brief_gives_the_same_script_byte_for_byte(
    topic: str, _words: list[str], age_group: str
) -> None:
    first = await _script(topic, age_group)
    second = await OfflineTextModel().write_script(StoryBrief(topic, age_group, 6))
    assert first.model_dump_json() == second.model_dump_json()


@pytest.mark.anyio
async def test_different_topics_give_different_scripts() -> None:
    scripts = [(await _script(topic)).model_dump_json() for topic, _ in TOPICS]
    assert len(set(scripts)) == len(scripts)


@pytest.mark.anyio
@pytest.mark.parametrize(("topic", "words"), TOPICS)
async def test_the_topic_words_appear_in_the_scenes(topic: str, words: list[str]) -> None:
    script = await _script(topic, "9-12")
    text = _text(script)
    for word in words:
        assert word.lower() in text, word
    # The lesson is woven through the story, not mentioned once.
    assert sum(words[0].lower() in s.learning_point.lower() for s in script.scenes) >= 3


@pytest.mark.anyio
async def test_the_lead_in_is_stripped_and_not_to_becomes_the_lesson() -> None:
    script = await _script(CANDY)
    text = _text(script)
    assert "not to accept candy from strangers" in text
    assert "teach my kid" not in text
    assert any("accept candy from strangers" in s.dialogue for s in script.scenes)
    assert "Candy" in script.title
    assert len(script.title.split()) <= 6


@pytest.mark.anyio
async def test_a_long_topic_is_cut_to_a_short_lesson() -> None:
    script = await _script(LONG, "5-8")
    text = _text(script)
    assert "accept candy, toys or rides from strangers" in text
    assert "neighbourhood" not in text
    assert "because i worry" not in text
    assert len(script.title.split()) <= 6


@pytest.mark.anyio
@pytest.mark.parametrize("count", [1, 2, 3, 6, 7, 12])
async def test_the_script_has_the_requested_number_of_scenes(count: int) -> None:
    script = await _script(CANDY, "5-12", count)
    assert [s.scene_id for s in script.scenes] == list(range(1, count + 1))
    assert len({s.description for s in script.scenes}) == count  # no scene is repeated
    assert "accept candy from strangers" in script.scenes[-1].learning_point  # the ending repeats the lesson


@pytest.mark.anyio
async def test_a_single_panel_carries_the_whole_lesson() -> None:
    (scene,) = (await _script(CANDY, "5-8", 1)).scenes
    assert "not to accept candy from strangers" in scene.description
    assert "accept candy from strangers" in scene.dialogue
    assert "candy" in scene.learning_point


@pytest.mark.anyio
async def test_six_scenes_follow_the_teaching_arc() -> None:
    titles = [s.title for s in (await _script(CANDY)).scenes]
    assert titles[3] == "Asking a Trusted Grown-Up"
    assert titles[4].endswith("Makes a Good Choice")
    assert "Stops to Think" in titles[2]


@pytest.mark.anyio
@pytest.mark.parametrize("panel_count", [0, 13])
async def test_an_impossible_panel_count_is_refused(panel_count: int) -> None:
    with pytest.raises(ProviderError, match="panel_count"):
        await _script(CANDY, "5-8", panel_count)


@pytest.mark.anyio
@pytest.mark.parametrize(("topic", "_words"), TOPICS)
@pytest.mark.parametrize("age_group", AGES)
async def test_every_scene_is_well_formed(topic: str, _words: list[str], age_group: str) -> None:
    for count in (1, 6, 12):
        for scene in (await _script(topic, age_group, count)).scenes:
            assert 1 <= len(scene.title.split()) <= 6, scene.title
            assert 1 <= len(re.split(r"(?<=[.!?])\s+", scene.description)) <= 3, scene.description
            assert SETTINGS.search(scene.description.lower()), scene.description
            assert 1 <= len(scene.dialogue.split("\n")) <= 2
            assert all(LINE.match(line) for line in scene.dialogue.split("\n")), scene.dialogue
            assert len(re.findall(r"[.!?](?:\s|$)", scene.learning_point)) == 1, scene.learning_point
            assert 3 <= len(scene.visual_elements) <= 5
            assert all(0 < len(item.split()) <= 4 for item in scene.visual_elements)


@pytest.mark.anyio
@pytest.mark.parametrize(("topic", "_words"), TOPICS)
async def test_young_readers_get_short_lines_and_older_readers_get_reasons(topic: str, _words: list[str]) -> None:
    young = [line for s in (await _script(topic, "5-8", 12)).scenes for line in _spoken(s)]
    older = [line for s in (await _script(topic, "9-12", 12)).scenes for line in _spoken(s)]
    assert max(len(line.split()) for line in young) <= 10
    assert sum(len(line.split()) for line in older) / len(older) > sum(len(line.split()) for line in young) / len(young)
    older_points = " ".join(s.learning_point for s in (await _script(topic, "9-12")).scenes)
    assert "because" in older_points


@pytest.mark.anyio
async def test_rewrite_changes_only_the_named_scenes_and_applies_the_feedback() -> None:
    brief = StoryBrief(CANDY, "5-8", 6)
    scenes = (await _script()).scenes
    before = [s.model_copy(deep=True) for s in scenes]
    feedback = [
        SceneFeedback(scene_id=5, feedback="Show the child walking straight to the park bench."),
        SceneFeedback(scene_id=2, feedback="Make the stranger offer a lollipop at the bus stop."),
    ]
    rewritten = await OfflineTextModel().rewrite_scenes(brief, scenes, feedback)

    assert [s.scene_id for s in rewritten] == [5, 2]
    assert "walking straight to the park bench" in rewritten[0].description
    assert "lollipop at the bus stop" in rewritten[1].description
    assert rewritten[0] != before[4]
    assert rewritten[1] != before[1]
    assert scenes == before  # the input is left alone
    again = await OfflineTextModel().rewrite_scenes(brief, scenes, feedback)
    assert [s.model_dump() for s in again] == [s.model_dump() for s in rewritten]


@pytest.mark.anyio
async def test_rewriting_twice_replaces_the_earlier_revision() -> None:
    brief, model = StoryBrief(CANDY, "5-8", 6), OfflineTextModel()
    scenes = (await _script()).scenes
    (first,) = await model.rewrite_scenes(brief, scenes, [SceneFeedback(scene_id=3, feedback="Add a dog.")])
    (second,) = await model.rewrite_scenes(brief, [first], [SceneFeedback(scene_id=3, feedback="Make it rain.")])
    assert "Make it rain" in second.description
    assert "Add a dog" not in second.description
    assert second.description.count("Revised to reflect") == 1


@pytest.mark.anyio
async def test_rewrite_carries_out_simple_asks() -> None:
    brief = StoryBrief(CANDY, "5-8", 6)
    scenes = (await _script()).scenes
    hero = LINE.match(scenes[4].dialogue).group(1)
    feedback = [
        SceneFeedback(scene_id=4, feedback="Rename Mom to Grandma. Make it shorter."),
        SceneFeedback(scene_id=5, feedback=f'Have {hero} say "No thank you!" and use the title "Saying No"'),
        SceneFeedback(scene_id=2, feedback="Make the stranger a friendly neighbour the child does not know well."),
    ]
    renamed, spoken, neighbour = await OfflineTextModel().rewrite_scenes(brief, scenes, feedback)
    assert "Grandma" in renamed.description
    assert "Mom" not in renamed.description.split("Revised")[0]
    assert len(renamed.dialogue.split("\n")) == 1
    assert spoken.dialogue == f'{hero}: "No thank you!"'
    assert spoken.title == "Saying No"
    assert "friendly neighbour holds out" in neighbour.description
    assert neighbour.dialogue.startswith("Friendly neighbour:")


@pytest.mark.anyio
async def test_feedback_for_the_same_scene_twice_gives_one_rewrite() -> None:
    brief = StoryBrief(CANDY, "5-8", 6)
    feedback = [
        SceneFeedback(scene_id=1, feedback="Sunnier."),
        SceneFeedback(scene_id=1, feedback="Add birds."),
    ]
    (scene,) = await OfflineTextModel().rewrite_scenes(brief, (await _script()).scenes, feedback)
    assert scene.scene_id == 1
    assert "Sunnier" in scene.description
    assert "Add birds" in scene.description


@pytest.mark.anyio
async def test_feedback_for_an_unknown_scene_is_refused() -> None:
    scenes = (await _script()).scenes
    feedback = [SceneFeedback(scene_id=2, feedback="Fine."), SceneFeedback(scene_id=9, feedback="Brighter.")]
    with pytest.raises(ProviderError, match="scene 9"):
        await OfflineTextModel().rewrite_scenes(StoryBrief(CANDY, "5-8", 6), scenes, feedback)


@pytest.mark.anyio
@pytest.mark.parametrize("style", ART_STYLES, ids=lambda s: s.name)
@pytest.mark.parametrize("count", [1, 6, 12])
async def test_one_panel_prompt_per_scene_naming_the_cast(style: ArtStyle, count: int) -> None:
    brief = StoryBrief(CANDY, "5-8", count)
    scenes = (await _script(CANDY, "5-8", count)).scenes
    prompts = await OfflineTextModel().write_panel_prompts(brief, scenes, [sam, dad], style)

    assert [p.scene_id for p in prompts] == [s.scene_id for s in scenes]
    placeholders = {"Leo", "Mia", "Mom", "Zoe", "Noah", "Ava"}  # the writer's stand-ins, not in this cast
    for prompt in prompts:
        words = prompt.prompt.split()
        assert 40 <= len(words) <= 80, prompt.prompt
        assert "Sam" in prompt.prompt
        assert style.prompt.lower() in prompt.prompt.lower()
        assert not placeholders & {w.strip(".,'s") for w in words}, prompt.prompt
        assert '"' not in prompt.prompt
        assert "“" not in prompt.prompt
    assert any("Dad" in p.prompt for p in prompts) or count == 1
    again = await OfflineTextModel().write_panel_prompts(brief, scenes, [sam, dad], style)
    assert again == prompts


@pytest.mark.anyio
async def test_panel_prompts_without_a_cast_say_a_child() -> None:
    scenes = (await _script()).scenes
    prompts = await OfflineTextModel().write_panel_prompts(StoryBrief(CANDY, "5-8"), scenes, [], ART_STYLES[0])
    assert len(prompts) == len(scenes)
    assert all("a child" in p.prompt.lower() for p in prompts)


@pytest.mark.anyio
async def test_panel_prompts_keep_rewritten_and_hand_written_scenes_in_range() -> None:
    scene = SceneDraft(
        scene_id=1,
        title="Tiny",
        description="Mia waves " + "and waves " * 60 + 'and the sign says "STOP".',
        dialogue="",
        learning_point="Wave.",
        visual_elements=[],
    )
    short = scene.model_copy(update={"scene_id": 2, "description": "Mia waves."})
    prompts = await OfflineTextModel().write_panel_prompts(
        StoryBrief(CANDY, "5-8", 2), [scene, short], [mia], ART_STYLES[1]
    )
    assert [40 <= len(p.prompt.split()) <= 80 for p in prompts] == [True, True]
    assert all("Mia" in p.prompt and "STOP" not in p.prompt for p in prompts)


@pytest.mark.anyio
async def test_the_factory_builds_it_without_a_key_and_it_closes() -> None:
    model = build_text_model(Settings(llm_provider="offline", _env_file=None))
    assert isinstance(model, OfflineTextModel)
    assert model.name == "offline"
    await model.aclose()

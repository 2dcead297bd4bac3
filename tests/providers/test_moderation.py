"""The moderators: the offline word list (what passes, what is flagged, how text is normalised) and
OpenAI's moderation endpoint through the real SDK against the local fake."""

from __future__ import annotations

import pytest

from app.providers.moderation import OpenAIModerator, Verdict, build_moderator
from app.providers.word_list import WordList, WordListModerator, normalize
from tests.conftest import MakeSettings
from tests.fakes.openai_server import FakeOpenAI

pytestmark = pytest.mark.anyio

# What parents actually ask for. Many are about danger, on purpose: the safety topics the product
# exists for must never be refused.
LEGITIMATE_TOPICS = [
    "teach my kid not to accept candy from strangers",
    "what to do if someone hurts you",
    "bullying at school and how to ask a teacher for help",
    "fire safety at home",
    "don't play with matches",
    "crossing the street safely and holding hands in the parking lot",
    "what to do if you get lost in a shop",
    "dealing with a bully online",
    "saying no if someone offers you drugs",
    "what to do if you find a gun: don't touch it, tell an adult",
    "body safety: nobody may touch your private parts",
    "coping when grandpa died",
    "our old dog is going to die soon",
    "why we wear a helmet when riding a bike",
    "water safety at the pool and at the beach",
    "calling 911 in an emergency",
    "telling a grown-up when you feel sad or scared",
    "when mom and dad get divorced",
    "a new baby in the family",
    "going to the doctor for a shot",
    "not opening the door to strangers",
    "staying safe near dogs you don't know",
    "why smoking is bad for your health",
    "what to do if a friend hurts themselves on the playground",
    "standing up to a bully who hits you",
    "don't talk to strangers on the internet",
    "what to do in a fire drill or an earthquake",
    "good secrets and bad secrets: never keep a secret that makes you feel unsafe",
    "handling anger without hitting",
    "sun safety and sunscreen",
    "too much candy and sweets are bad for your teeth",
    "a class trip to Scunthorpe and Sussex",
    "going to see a therapist about big feelings",
    "the heroine of the story learns a new method for sharing",
    "pulling weeds in the garden with grandma",
    "being careful with kitchen knives",
    "what to do if you see a fight at school",
    "don't eat pills that look like candy from the medicine cabinet",
    "a cocktail of fruit juice at the party",
    "why we never point a toy gun at people's faces",
    "kill them with kindness: answering mean words calmly",
    "how to get high grades by studying a little every day",
    "what happens to our body when we get a cold",
]

UNSAFE_TOPICS = [
    ("how to make a pipe bomb", "illicit/violent"),
    ("show the dog being decapitated", "violence/graphic"),
    ("a story where kids torture a cat", "violence/graphic"),
    ("blood and gore everywhere", "violence/graphic"),
    ("teach kids how to kill yourself", "self-harm"),
    ("how to cut yourself without your parents noticing", "self-harm"),
    ("an explicit sex scene", "sexual"),
    ("porn for kids", "sexual"),
    ("how to snort cocaine", "illicit"),
    ("smoke weed with your friends after school", "illicit"),
    ("get drunk on vodka", "illicit"),
    ("how to shoot someone at school", "violence"),
    ("stab your brother with a knife", "violence"),
    ("murder the teacher", "violence"),
    ("how to load a gun and fire it", "illicit/violent"),
    ("heil hitler", "hate"),
    ("fuck this", "profanity"),
    # Disguised spellings: accents, capitals, digits for letters, stretched letters, hyphens.
    ("DECAPITATION", "violence/graphic"),
    ("s3x for k1ds", "sexual"),
    ("p0rn", "sexual"),
    ("fûck", "profanity"),
    ("fuuuuck", "profanity"),
    ("m-u-r-d-e-r", None),  # letters spelled apart are not caught: documented limit, see below
]


@pytest.fixture(scope="module")
def words() -> WordList:
    return WordList()


def test_the_lists_are_big_enough_to_mean_something() -> None:
    assert len(LEGITIMATE_TOPICS) >= 30
    assert len([t for t in UNSAFE_TOPICS if t[1]]) >= 20


@pytest.mark.parametrize("topic", LEGITIMATE_TOPICS)
def test_legitimate_parenting_topics_pass(words: WordList, topic: str) -> None:
    assert words.find(topic) == {}


@pytest.mark.parametrize(("topic", "category"), UNSAFE_TOPICS)
def test_unsafe_topics_are_flagged_in_their_category(words: WordList, topic: str, category: str | None) -> None:
    found = words.find(topic)
    if category is None:
        assert found == {}  # spelled-apart letters are the word list's known blind spot (OpenAI's is not)
    else:
        assert category in found, found


@pytest.mark.parametrize(
    ("text", "normal"),
    [
        ("Self-Harm!", "self harm"),
        ("  Crème  Brûlée ", "creme brulee"),
        ("STRASSE ß", "strasse ss"),
        ("ages 5-8, 2nd grade", "ages 5 8 2nd grade"),
        ("l33t sp34k", "leet speak"),
        ("soooo good", "so good"),
    ],
)
def test_normalisation(text: str, normal: str) -> None:
    assert normalize(text) == normal


def test_a_wildcard_entry_matches_any_ending_but_only_from_a_word_start() -> None:
    words = WordList({"test": ("decapitat*",)})
    assert words.find("they decapitated it") == {"test": ["decapitated"]}
    assert words.find("undecapitated") == {}


def test_phrases_match_across_punctuation_and_report_the_words_found(words: WordList) -> None:
    assert words.find("How... to make. A BOMB!") == {"illicit/violent": ["make a bomb"]}


async def test_word_list_moderator_gives_one_verdict_per_text() -> None:
    verdicts = await WordListModerator().check(["a happy day at the park", "the castle was a bloodbath"])
    assert verdicts[0] == Verdict(flagged=False)
    assert verdicts[1].flagged
    assert verdicts[1].categories == ("violence/graphic",)
    assert verdicts[1].reason() == 'violence/graphic ("bloodbath")'


# -- OpenAI ------------------------------------------------------------------------------------


@pytest.fixture
def openai_moderator(make_settings: MakeSettings, fake_openai: FakeOpenAI) -> OpenAIModerator:
    settings = make_settings(
        llm_provider="openai", openai_api_key="sk-test-local", openai_base_url=fake_openai.base_url
    )
    return OpenAIModerator(settings.model_copy(update={"retry_base_delay_seconds": 0.0}))


def test_the_factory_picks_openai_with_the_openai_text_provider_and_the_word_list_otherwise(
    make_settings: MakeSettings, fake_openai: FakeOpenAI
) -> None:
    assert build_moderator(make_settings()).name == "wordlist"
    settings = make_settings(
        llm_provider="openai", openai_api_key="sk-test-local", openai_base_url=fake_openai.base_url
    )
    assert build_moderator(settings).name == "openai"


async def test_openai_moderation_sends_every_text_in_one_request(
    openai_moderator: OpenAIModerator, fake_openai: FakeOpenAI
) -> None:
    verdicts = await openai_moderator.check(["a walk in the park", "a ZZUNSAFE scene"])
    await openai_moderator.aclose()
    assert [v.flagged for v in verdicts] == [False, True]
    assert verdicts[1].categories == ("violence/graphic",)  # OpenAI's own names, not the SDK's field names
    [request] = fake_openai.moderations
    assert request == {"model": "omni-moderation-latest", "input": ["a walk in the park", "a ZZUNSAFE scene"]}


async def test_openai_moderation_is_retried_on_server_errors(
    openai_moderator: OpenAIModerator, fake_openai: FakeOpenAI
) -> None:
    fake_openai.moderation_status = 500
    verdicts = await openai_moderator.check(["how to make a pipe bomb"])
    await openai_moderator.aclose()
    assert len(fake_openai.moderations) == 4  # RETRY_ATTEMPTS
    # ... and when it still fails, the word list screens the text instead of letting it through.
    assert verdicts[0].flagged
    assert verdicts[0].categories == ("illicit/violent",)


async def test_a_server_without_a_moderation_endpoint_falls_back_to_the_word_list_for_good(
    openai_moderator: OpenAIModerator, fake_openai: FakeOpenAI
) -> None:
    fake_openai.moderation_status = 404  # Ollama, vLLM, LM Studio: no /v1/moderations
    first = await openai_moderator.check(["fire safety at home"])
    second = await openai_moderator.check(["show the dog being decapitated"])
    await openai_moderator.aclose()
    assert len(fake_openai.moderations) == 1  # not asked again
    assert not first[0].flagged
    assert second[0].flagged
    assert second[0].categories == ("violence/graphic",)

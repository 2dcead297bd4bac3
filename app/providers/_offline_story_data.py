"""Word lists, story themes, scene templates and patterns for the offline text provider.

Templates use `str.format` fields. Theme strings may name `{hero}`, `{adult}`, `{friend}` and
`{their}` (the hero's possessive); beat templates also get the lesson phrases (`{rule}`, `{state}`,
`{child}`, ...) and the theme's places, which are worded so that the offline illustrator can pick a
background from them.
"""

from __future__ import annotations

from dataclasses import dataclass


def _split(text: str, sep: str | None = None) -> tuple[str, ...]:
    return tuple(text.split(sep))


# ---------------------------------------------------------------------------------------------
# Reading the topic

# Lead-ins stripped from the front of a topic, repeatedly: "please help me teach my 6-year-old to ...".
AUDIENCE = (
    r"(?:(?:my|our|the|your|a|an|all|young|little|small|\w+[- ]years?[- ]olds?)\s+)*(?:kids?|child(?:ren)?"
    r"|sons?|daughters?|toddlers?|students?|pupils?|boys?|girls?|little ones?|preschoolers?|grandkids?"
    r"|grandchild(?:ren)?|class|élèves?|learners?|\w+[- ]years?[- ]olds?)\b[,:\s]*"
)
LEAD_INS = (
    r"^(?:please|kindly|hey|hi|ok|okay)\b[,!\s]*",
    r"^(?:can|could|would|will) you\s+",
    r"^(?:i|we)(?:'d| would)?\s+(?:really\s+)?(?:want|like|need|wish|hope|am trying|are trying)\s+(?:to\s+)?",
    r"^(?:help|helping)\s+(?:me|us)\s+",
    r"^(?:write|make|create|generate)\s+(?:me\s+|us\s+)?",
    r"^(?:an?\s+)?(?:short\s+|fun\s+|simple\s+)?(?:story|comic|lesson|tale|book)\s+"
    r"(?:about|on|for|that teaches|to teach|teaching)\s+",
    r"^(?:teach|teaches|teaching|explain|explaining)\s+(?:to\s+)?",
    rf"^(?:help|helping|show|showing|tell|telling|remind|reminding|get|getting|encourage)\s+(?={AUDIENCE})",
    rf"^{AUDIENCE}",
    r"^(?:(?:should|must|needs?\s+to|has\s+to|have\s+to|to)\s+)?(?:learn|learning|know|understand|remember)\b\s*",
    r"^(?:the\s+)?(?:importance|value)\s+of\s+",
)
# What follows the lead-in says what kind of lesson it is; the first match wins.
KINDS = (
    (
        "avoid",
        r"^(?:how\s+|why\s+)?(?:(?:should|must)\s+)?(?:not\s+to|never\s+to|to\s+not|to\s+never|not|never"
        r"|don't|do\s+not|shouldn't|mustn't|no\s+longer)\s+",
    ),
    ("avoid", r"^no\s+(?=\w+ing\b)"),
    ("do", r"^(?:how\s+to|to|should|must|needs?\s+to|has\s+to|have\s+to|ought\s+to)\s+"),
    ("fact", r"^(?:that|why)\s+"),
    ("about", r"^(?:about|on|regarding)\s+"),
)
# A long topic is cut at its first full stop or reason, then at a clause, then after nine words.
BREAK = r"[.;!?:](?:\s|$)|\s[-\u2013\u2014]\s|\(|\s(?:because|since|so that|especially|even if|even when)\s"
CLAUSE = r",?\s+and\s+(?:to|also|always)\s+|,\s+(?:and|but|or)\s+"
PRONOUNS = r"\b(his|their|your|her|himself|herself|themselves|yourself)\b(\s+[\w'-]+)?"

# Simple feedback the offline rewrite acts on: (pattern, whether the groups come as (new, old)).
RENAMES = (
    (r"\b(?i:rename|change|replace)\s+([A-Z][\w'-]*)\s+(?i:to|into|with)\s+([A-Z][\w'-]*)", False),
    (r"\b(?i:use)\s+([A-Z][\w'-]*)\s+(?i:instead\s+of)\s+([A-Z][\w'-]*)", True),
    (
        r"\b[Mm]ake\s+(?:the\s+)?([a-z]{3,})\s+(?:into\s+)?an?\s+([a-z][\w' -]{1,38}?)"
        r"(?=\s+(?:who|that|the|with|and)\b|[.,;!]|$)",
        False,
    ),
)
NOT_RENAMED = frozenset(_split("it this that scene story him her them everything"))
SPEECH = r"(?:\b([A-Z][\w'-]*)\s+)?(?:should\s+|to\s+)?(?:say|says|saying)\s*:?\s*[\"“](.+?)[\"”]"
TITLE = r"\btitle\b[^\"“]{0,30}[\"“](.+?)[\"”]"
SHORTER = r"\b(?:shorter|simpler|less text|fewer words)\b"

# Common base verbs: they turn "sharing" back into "share" and tell an action from a subject.
VERBS = frozenset(
    _split(
        "be brush wash share say tell listen wait ask look stay keep put clean tidy eat drink help "
        "hold cross wear use take give go sleep stop talk play follow try accept open touch hit bite "
        "push grab throw lie cheat steal make read sit walk run stand speak respect include apologize "
        "apologise thank care save spend finish turn leave get let lock call answer calm breathe "
        "trust welcome forgive notice check do have feel show love treat handle manage avoid floss "
        "tie dress practise practice protect recycle cook yell shout scream interrupt hurt climb jump "
        "swim ride buy pick set clear obey behave focus study remember admit stick bully whine lose "
        "win cry smile hug wake hide close"
    )
)
# Verbs a gerund topic ("brushing teeth") may safely become an action to do, unless a word below
# suggests the topic is a danger ("talking to strangers", "being mean", "staying up late").
GOOD_VERBS = frozenset(
    _split(
        "be brush wash share say listen wait help clean tidy eat drink include apologize apologise "
        "thank save floss practise practice recycle cook read sleep welcome forgive follow respect "
        "calm breathe try wear look hold ask stay lock check care study focus behave obey dress tie "
        "protect cross tell go get put keep make finish"
    )
)
BAD_WORDS = frozenset(
    _split(
        "mean rude bossy lazy greedy selfish late loud naughty unkind cruel careless stranger strangers "
        "matches fire knives secrets secret lies tales bad too junk alone without"
    )
)
# Words that make a poor title word.
STOPWORDS = frozenset(
    _split(
        "a an the and or but nor so to of in on at by for with from into onto about as than then when if "
        "while their his her your my our its them him me us you they we it this that these those not no "
        "very too always never every each all some any more most other others own just even also really how "
        "much many what why where which who okay ok is are was before after during until safely"
    )
)
# Words a clipped phrase must not end on.
DANGLING = STOPWORDS - frozenset(_split("them him me us you it this that these those others too okay ok safely"))
ADJECTIVES = frozenset(
    _split(
        "kind nice good safe careful polite gentle honest new little big small friendly brave calm healthy "
        "clean quiet patient happy sad both wrong right important"
    )
)
TITLE_SMALL = frozenset(_split("a an the to of and or in on at for with from not"))

# ---------------------------------------------------------------------------------------------
# Story worlds


@dataclass(frozen=True)
class Theme:
    """A little world for a family of topics: where the story happens and what tempts the child."""

    key: str
    keywords: tuple[str, ...]
    everyday: str
    activity: str
    place: str
    trigger: str
    situation_title: str
    line: tuple[str, str]  # (speaker role or name, what they say) in the situation
    adult_spot: str
    back: str
    choice: str
    practice: str
    ending: str
    props: tuple[str, ...]  # everyday prop, situation place, trigger object, adult's spot, ambient
    reason_young: str
    reason_old: str


# The template fields a theme fills in.
THEME_TEXT = _split("everyday activity place trigger situation_title adult_spot back choice practice ending")

# Order matters for ties between themes: the more specific themes come first.
THEMES: tuple[Theme, ...] = (
    Theme(
        "strangers",
        _split("stranger, strangers, don't know, do not know, unknown, lure, ride, kidnap", ", "),
        "at the playground in the park",
        "swings high on the swings",
        "by the park gate",
        "a smiling stranger holds out a bag of candy",
        "An Unexpected Offer",
        ("Stranger", "Would you like some candy?"),
        "on the bench in the park",
        "back by the park gate",
        "shakes {their} head and steps away from the stranger",
        "another day at the shop, a stranger offers {hero} a free lollipop",
        "back at home in the kitchen, {hero} and {adult} share a warm hug",
        ("swings", "park gate", "bag of candy", "park bench", "green trees"),
        "it keeps us safe",
        "people we do not know may not have good intentions, and a trusted grown-up can always check first",
    ),
    Theme(
        "road",
        _split("street road cross crossing traffic car cars bike helmet seatbelt crosswalk"),
        "on the sidewalk of a quiet street",
        "walks home from the shop, bouncing a red ball",
        "at the edge of the busy street",
        "the red ball bounces away toward the passing cars",
        "The Ball Rolls Away",
        ("hero", "Oh no, my ball!"),
        "a few steps behind on the sidewalk",
        "at the crosswalk on the street",
        "stops at the curb and holds {adult}'s hand",
        "the next morning on the street near school, a bike zooms past the crosswalk",
        "safe at home in the kitchen, {hero} and {adult} share a snack and a smile",
        ("red ball", "busy street", "passing cars", "sidewalk", "traffic light"),
        "cars can come fast",
        "drivers cannot always see small people, so we stop, look and wait for a grown-up",
    ),
    Theme(
        "hygiene",
        _split("teeth tooth brush brushing floss dentist toothbrush wash washing hands soap germs bath shower"),
        "in the kitchen at home",
        "finishes dinner with a sticky dessert",
        "in the bathroom at home",
        "the toothbrush and soap wait by the sink, but the toys are calling",
        "Time to Wash Up",
        ("adult", "Time to wash up!"),
        "in the hallway at home",
        "back in the bathroom at home",
        "rolls up {their} sleeves at the sink with a big smile",
        "after playing in the garden at home, {hero} walks straight to the sink",
        "in the bedroom at home, {hero} flashes a big clean smile at {adult}",
        ("dessert plate", "bathroom sink", "toothbrush", "fluffy towel", "bar of soap"),
        "it keeps us clean and healthy",
        "germs and sugar stay behind when we skip it, and clean habits keep our bodies strong",
    ),
    Theme(
        "screens",
        _split("screen screens tablet phone tv television video videos games gaming computer online internet"),
        "in the living room at home",
        "watches a funny cartoon on a tablet",
        "on the sofa at home",
        "one video has turned into many while the sun shines outside the window",
        "Just One More Video?",
        ("hero", "Just one more video!"),
        "in the kitchen at home",
        "back on the sofa at home",
        "switches off the tablet and puts it away in a drawer",
        "at a friend's home, the cartoons play on and on all afternoon",
        "in the garden at home, {hero} and {adult} play catch in the golden evening light",
        ("tablet", "cozy sofa", "glowing screen", "kitchen table", "sunny window"),
        "our eyes and bodies need a break",
        "too much screen time tires our eyes and takes time away from play, sleep and friends",
    ),
    Theme(
        "honesty",
        _split(
            "truth true lie lies lying honest honesty sorry apologise apologize mistake blame broke cheat "
            "cheating steal stealing"
        ),
        "in the living room at home",
        "plays catch with a soft ball",
        "in the living room at home",
        "the ball knocks a flower vase off the table and it cracks",
        "Oops, the Vase!",
        ("hero", "Oh no! The vase!"),
        "in the kitchen at home",
        "back in the living room at home",
        "points to the cracked vase and looks {adult} in the eye",
        "at school in the classroom, {hero} spills paint on a friend's drawing by accident",
        "in the living room at home, {hero} and {adult} glue the vase together and laugh",
        ("soft ball", "cracked vase", "spilled flowers", "kitchen table", "cozy rug"),
        "the truth helps people trust us",
        "telling the truth builds trust, and mistakes are easier to fix when everyone knows about them",
    ),
    Theme(
        "feelings",
        _split(
            "angry anger mad feelings feeling emotions calm upset frustrated breathe tantrum sad scared "
            "worried patience patient hit hitting"
        ),
        "in the playroom at home",
        "builds a wobbly tower of blocks",
        "in the playroom at home",
        "the tower crashes down just before it is finished",
        "The Tower Falls",
        ("hero", "Grr! It fell again!"),
        "in the kitchen at home",
        "back in the playroom at home",
        "takes three slow, deep breaths with both hands on {their} tummy",
        "at the park, {hero} drops an ice cream cone on the grass",
        "in the playroom at home, {hero} and {adult} build a new tower, taller than before",
        ("toy blocks", "fallen tower", "scattered blocks", "kitchen table", "soft rug"),
        "calm helps us think",
        "big feelings are normal, and calming down first helps us find a good answer",
    ),
    Theme(
        "sharing",
        _split("share sharing turn turns toys toy together selfish mine"),
        "at the sandbox on the playground",
        "builds a sandcastle with a bright red bucket",
        "at the sandbox on the playground",
        "{friend} comes over and looks at the red bucket with hopeful eyes",
        "Someone Wants a Turn",
        ("friend", "Can I play with the bucket too?"),
        "on the bench by the playground",
        "back at the sandbox on the playground",
        "holds out the red bucket to {friend}",
        "at school in the classroom, {hero} has the last box of crayons and a classmate has none",
        "on the playground, {hero} and {friend} build the biggest sandcastle together while {adult} cheers",
        ("sandcastle", "sandbox", "red bucket", "park bench", "little spade"),
        "playing together is more fun",
        "when everyone gets a turn, games last longer and friends feel respected",
    ),
    Theme(
        "food",
        _split("vegetables veggies eat eating food healthy sweets sugar snack fruit breakfast dinner lunch candy"),
        "in the kitchen at home",
        "helps wash carrots for dinner",
        "at the dinner table at home",
        "a plate of green vegetables sits next to a bowl of sweets",
        "Dinner Is Served",
        ("adult", "Dinner is ready!"),
        "across the dinner table at home",
        "back at the dinner table at home",
        "picks up a fork and tries a crunchy bite",
        "at the shop, {hero} helps {adult} choose fruit instead of sweets",
        "in the garden at home, {hero} runs and plays with lots of energy",
        ("carrots", "dinner table", "plate of vegetables", "bowl of fruit", "glass of water"),
        "good food helps us grow strong",
        "healthy food gives our bodies energy to play, learn and grow, while too many sweets leave us tired",
    ),
    Theme(
        "sleep",
        _split("sleep sleeping bedtime bed night tired nap dark nightmare nightmares"),
        "in the bedroom at home",
        "plays with toy dinosaurs on the rug",
        "in the bedroom at home",
        "the moon is up in the window and the dinosaurs are still out",
        "The Moon Is Up",
        ("adult", "Bedtime, sleepyhead!"),
        "at the bedroom door at home",
        "back in the bedroom at home",
        "puts on pajamas and climbs into bed",
        "the next night in the bedroom at home, a new toy is still on the rug at bedtime",
        "in the sunny bedroom at home the next morning, {hero} wakes up rested and happy",
        ("toy dinosaurs", "cozy bed", "moon in the window", "bedroom door", "night light"),
        "sleep helps us grow",
        "sleep lets our bodies rest and helps our brains keep what we learned today",
    ),
    Theme(
        "tidy",
        _split("tidy clean cleaning mess messy chores chore room laundry dishes responsibility responsible"),
        "in the bedroom at home",
        "builds a tall tower of toy blocks",
        "in the bedroom at home",
        "toys cover the whole floor and dinner is almost ready",
        "A Very Messy Room",
        ("adult", "Dinner in ten minutes!"),
        "in the kitchen at home",
        "back in the bedroom at home",
        "puts the blocks back into the toy box one by one",
        "after playing at the park, {hero} carries the bucket and spade home without being asked",
        "in the tidy bedroom at home, {hero} and {adult} read a story on the clean rug",
        ("toy blocks", "messy floor", "toy box", "kitchen table", "stuffed bear"),
        "a tidy room is easy to play in",
        "helping at home shows respect for the family, and a tidy space makes things easy to find",
    ),
    Theme(
        "kindness",
        _split(
            "kind kindness new classmate classmates friend friends include lonely alone bully bullying mean "
            "school welcome shy teacher respect polite manners"
        ),
        "in the classroom at school",
        "hangs up {their} backpack and waves to friends",
        "on the playground at school",
        "a new classmate stands alone by the fence, holding a lunchbox",
        "A New Face",
        ("New classmate", "I don't know anyone here."),
        "in the kitchen at home after school",
        "the next day on the playground at school",
        "walks over with a friendly wave and a smile",
        "at the park, {hero} notices a child sitting alone by the slide",
        "in the classroom at school, {hero}, {friend} and the new classmate laugh together over a puzzle",
        ("backpack", "school fence", "lunchbox", "kitchen table", "jump rope"),
        "kind words help everyone feel safe",
        "everyone feels nervous sometimes, and one kind gesture can make someone's whole day better",
    ),
)
GENERIC_THEME = Theme(
    "generic",
    (),
    "in the park near home",
    "plays ball with {friend}",
    "on the playground in the park",
    "something happens that makes {hero} stop and think",
    "A Tricky Moment",
    ("hero", "Hmm, what should I do?"),
    "on the bench in the park",
    "back on the playground in the park",
    "stands tall with a confident smile",
    "another day at school, a similar moment comes along",
    "back at home in the kitchen, {hero} and {adult} share a warm hug",
    ("bright ball", "playground slide", "green trees", "park bench", "sunny sky"),
    "good choices help us grow",
    "small good choices add up, and they help us feel proud and keep the people around us happy",
)

# ---------------------------------------------------------------------------------------------
# The teaching arc

# The lesson in the child's, the adult's and the "we" voice (the narrator's follows the hero).
VOICES = {"c1": ("my", "myself"), "c2": ("your", "yourself"), "cw": ("our", "ourselves")}
# Fields that may open a sentence, so the templates also get a capitalised copy (`{Place}`).
CAPITALISED = _split("everyday place back practice ending state")

# How each kind of lesson is said: `rule` follows "remember(s)", `state` is a whole statement.
# c1/c2/c3/cw are the lesson in the child's, the adult's, the narrator's and the "we" voice.
PHRASES: dict[str, dict[str, str]] = {
    "do": {
        "rule": "to {c3}",
        "state": "we should {cw}",
        "child": "I will {c1}.",
        "adult_says": "Remember to {c2}.",
        "ask": "Do I have to {c1} now?",
        "doubt": "Maybe I can skip it today?",
        "wonder": "whether to {c3}",
        "tempt": "{hero} almost forgets to {c3}.",
    },
    "avoid": {
        "rule": "not to {c3}",
        "state": "we should never {cw}",
        "child": "I will not {c1}.",
        "adult_says": "Never {c2}.",
        "ask": "Should I {c1}?",
        "doubt": "Maybe just this once?",
        "wonder": "whether to {c3}",
        "tempt": "For a moment, {hero} is tempted to {c3}.",
    },
    "about": {
        "rule": "to make good choices about {c3}",
        "state": "good choices about {cw} matter",
        "child": "I can make a good choice about {c1}.",
        "adult_says": "Let's think about {c2} together.",
        "ask": "What should I do about {c1}?",
        "doubt": "Hmm, what is the right thing?",
        "wonder": "what to do about {c3}",
        "tempt": "{hero} is not sure what to do about {c3}.",
    },
    "fact": {
        "rule": "that {c3}",
        "state": "{cw}",
        "child": "I know now: {c1}.",
        "adult_says": "Remember, {c2}.",
        "ask": "Is it true that {c1}?",
        "doubt": "Hmm, is that really true?",
        "wonder": "whether it is true that {c3}",
        "tempt": "{hero} forgets that {c3}.",
    },
}


@dataclass(frozen=True)
class Beat:
    """One step of the teaching arc as a scene template, with how its panel is framed."""

    title: str
    text: str
    lines: tuple[tuple[str, str, bool], ...]  # (speaker role, line, add the reason for older readers)
    lesson: str
    lesson_reason: bool
    props: tuple[int | str, ...]  # indexes into the theme's props, or literal props; objects first
    framing: str
    mood: str


BEATS: dict[str, Beat] = {
    "whole": Beat(
        "{hero} Makes a Good Choice",
        "{Place}, {trigger}. {hero} remembers {rule}, and {adult} smiles proudly nearby.",
        (("hero", "{child}", True), ("adult", "Great choice, {hero}!", False)),
        "{State}.",
        True,
        (2, 1, "proud smile"),
        "Medium wide shot",
        "warm, proud and reassuring",
    ),
    "morning": Beat(
        "A Bright New Morning",
        "In the kitchen at home, {hero} eats breakfast while {adult} smiles across the table. Sunlight fills the room.",
        (("adult", "Good morning, {hero}! Ready for today?", False), ("hero", "Yes! I feel ready.", False)),
        "Every day brings a new chance to remember {rule}.",
        False,
        ("breakfast table", "cereal bowl", "morning sunlight"),
        "Wide establishing shot",
        "fresh and cheerful",
    ),
    "setting": Beat(
        "A Happy Ordinary Day",
        "{Everyday}, {hero} {activity}. Everything feels calm and cheerful.",
        (("hero", "This is so much fun!", False),),
        "Even on a normal day, it is good to remember {rule}.",
        False,
        (0, 4, "happy smile"),
        "Wide establishing shot",
        "bright, playful and carefree",
    ),
    "situation": Beat(
        "{situation_title}",
        "{Place}, {trigger}. {tempt}",
        (("other", "{other_line}", False),),
        "Tricky moments are the time to remember {rule}.",
        False,
        (2, 1, "surprised face"),
        "Medium shot",
        "curious and a little uncertain",
    ),
    "doubt": Beat(
        "{hero} Stops to Think",
        "{Place}, {hero} stands still with a thoughtful frown, unsure {wonder}.",
        (("hero", "{doubt}", False),),
        "It is okay to stop and think before choosing.",
        False,
        (2, 1, "thoughtful frown"),
        "Close-up on the child's thoughtful face",
        "quiet and thoughtful",
    ),
    "remember": Beat(
        "Remembering {adult}'s Words",
        "{Place}, {hero} closes {their} eyes and remembers what {adult} once said. "
        "A thought bubble shows {adult}'s kind face.",
        (("hero", "{adult} told me: {adult_says}", True),),
        "Remembering what a trusted grown-up said helps us choose well.",
        False,
        (1, 4, "thought bubble"),
        "Medium close-up with a soft dreamy glow",
        "gentle and reflective",
    ),
    "ask": Beat(
        "Asking a Trusted Grown-Up",
        "{hero} hurries to {adult} {adult_spot} and asks for help. {adult} kneels down to listen.",
        (("hero", "{ask}", False), ("adult", "{adult_says}", True)),
        "When you are not sure, ask a grown-up you trust.",
        False,
        (3, 4, "kneeling grown-up"),
        "Eye-level two-shot",
        "caring and reassuring",
    ),
    "choice": Beat(
        "{hero} Makes a Good Choice",
        "{Back}, {hero} {choice}. {hero} decides {rule}.",
        (("hero", "{child}", True),),
        "{State}.",
        True,
        (1, 2, "confident smile"),
        "Low-angle medium shot",
        "confident and brave",
    ),
    "proud": Beat(
        "A Proud High Five",
        "{adult} gives {hero} a big high five {adult_spot}. Both of them are beaming.",
        (("adult", "I am so proud of you, {hero}!", False), ("hero", "I remembered what you said!", False)),
        "Good choices make us feel proud inside.",
        False,
        (3, 4, "high five"),
        "Medium two-shot",
        "joyful and proud",
    ),
    "practice": Beat(
        "Trying It Again",
        "{Practice}. This time {hero} remembers {rule} right away.",
        (("hero", "{child}", False),),
        "The more we practise, the easier good choices become.",
        False,
        ("bright sky", "thumbs up", "calm smile"),
        "Medium wide shot",
        "confident and sunny",
    ),
    "friend": Beat(
        "Helping a Friend Learn",
        "On the playground at school, {hero} tells {friend} the big lesson: {state}.",
        (("friend", "Why is that important?", False), ("hero", "{State}.", True)),
        "Passing on what we learn helps our friends too.",
        False,
        ("school playground", "backpacks", "two friends talking"),
        "Eye-level two-shot",
        "friendly and warm",
    ),
    "reflect": Beat(
        "Thinking at Bedtime",
        "In the bedroom at home, {hero} snuggles under a cozy blanket and thinks about the day. "
        "{adult} switches on the night light.",
        (("hero", "Today I learned something big.", False), ("adult", "Sweet dreams, {hero}.", False)),
        "Thinking about our day helps us remember {rule}.",
        False,
        ("cozy blanket", "night light", "teddy bear"),
        "Cozy medium shot",
        "calm, sleepy and content",
    ),
    "ending": Beat(
        "A Warm and Happy Ending",
        "{Ending}. {hero} will always remember {rule}.",
        (("hero", "{State}.", False), ("adult", "That's right, {hero}!", True)),
        "{State}.",
        True,
        ("warm light", "big smiles", "happy faces"),
        "Wide shot",
        "warm, happy and cozy",
    ),
}
# The beats in story order, and the order in which they join the story as the panel count grows.
BEAT_ORDER = _split("morning setting situation doubt remember ask choice proud practice friend reflect ending")
BEAT_PRIORITY = _split("situation ending choice setting ask doubt proud friend practice remember morning reflect")

# Spoken lines for young readers stay short; a line over the limit loses its reason, then falls back.
WORD_LIMITS = {"5-8": 10, "5-12": 18, "9-12": 36}
FALLBACK_LINES = {
    "hero": "I know the right thing to do!",
    "adult": "You can always ask me first.",
    "friend": "Thanks! I will remember.",
    "other": "Hello there!",
}

# ---------------------------------------------------------------------------------------------
# Panel prompts

PROMPT_FILLERS = (
    "Soft daylight, friendly faces and a clear, uncluttered composition.",
    "Children's picture book illustration with expressive, gentle characters.",
    "Rounded shapes, cheerful colours and plenty of space around the figures.",
)
# Most specific first: the first one found in a description names the panel's setting.
PLACE_WORDS = _split(
    "kitchen bathroom bedroom playroom classroom sandbox playground park school crosswalk sidewalk street "
    "shop garden hallway sofa home"
)

"""The offline writer: deterministic, topic-aware comic scripts with no key and no network.

It pulls the lesson out of the topic ("teach my kid not to X" -> "not to X"), picks a story world from
the topic's words and fills a teaching arc with both: everyday setting, the situation, doubt, a trusted
grown-up, the good choice, a warm ending. Names are preset placeholders; the same brief, the same script.
"""

from __future__ import annotations

import hashlib
import random
import re

from app.models.records import CastMember, SceneFeedback
from app.models.story import ComicScript, PanelPrompt, SceneDraft
from app.providers import _offline_story_data as data
from app.providers._offline_staging import stage
from app.providers.composition import check_stagings
from external_services import ProviderError, StoryBrief
from master_prompts import AGE_GUIDANCE, PRESET_CHARACTERS, ArtStyle

_I = re.IGNORECASE
_APOSTROPHES = str.maketrans({"\u2018": "'", "\u2019": "'"})
_LEAD_INS = [re.compile(p, _I) for p in data.LEAD_INS]
_KINDS = [(kind, re.compile(p, _I)) for kind, p in data.KINDS]
_RENAMES = [(re.compile(p), reverse) for p, reverse in data.RENAMES]
_PRONOUNS = re.compile(data.PRONOUNS, _I)


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _words(text: str, limit: int) -> str:
    return " ".join(text.split()[:limit])


def _clean(text: str) -> str:
    return " ".join(text.split()).strip(" .!?;:,")


def _base_verb(word: str) -> str | None:
    stem = word.lower()[:-3] if word.lower().endswith("ing") and len(word) >= 5 else ""
    odd = {"ly": "lie", "ty": "tie", "dy": "die"}.get(stem, "")
    candidates = (stem, stem + "e", stem[:-1] if stem[-1:] == stem[-2:-1] else "", odd)
    return next((c for c in candidates if stem and c in data.VERBS), None)


def _clip(text: str) -> str:
    text = re.split(data.BREAK, text, maxsplit=1, flags=_I)[0]
    clause = re.search(data.CLAUSE, text, _I)
    if len(text.split()) > 9 and clause and len(text[: clause.start()].split()) >= 3:
        text = text[: clause.start()]
    words = text.split()[:9]
    while words and words[-1].strip(",;:").lower() in data.DANGLING:
        words.pop()
    return " ".join(words).strip(" ,;:")


def _lesson(topic: str) -> tuple[str, str, str]:
    """(kind, core, label): the lesson as an action to "do" or "avoid", a subject ("about") or a "fact"."""
    text = _clean(topic)
    probe = text.translate(_APOSTROPHES)  # same length as `text`, so its matches slice `text` too
    while match := next((m for p in _LEAD_INS if (m := p.match(probe)) and m.end()), None):
        text, probe = text[match.end() :], probe[match.end() :]
    kind = next((name for name, p in _KINDS if (match := p.match(probe))), "bare")
    text = text[match.end() :] if kind != "bare" and match else text
    if not (label := _clip(text)):
        return "do", "make good choices", "good choices"
    words, first = label.split(), label.split()[0].lower()
    base, safe = _base_verb(first), not data.BAD_WORDS & {w.lower() for w in label.split()}
    if kind in ("do", "bare") and first in ("stop", "quit") and len(words) > 1 and _base_verb(words[1]):
        kind, words = "avoid", [_base_verb(words[1]), *words[2:]]  # "stop lying" -> avoid "lie"
    elif kind in ("do", "avoid") and base:
        words = [base, *words[1:]]
    elif kind in ("do", "avoid") and first.endswith("ing"):
        kind = "about"
    elif kind in ("bare", "about") and base in data.GOOD_VERBS and safe:
        # Only clearly positive gerunds become actions: "talking to strangers" must stay a subject.
        kind, words = "do", [base, *words[1:]]
    elif kind == "bare":
        kind = "do" if first in data.GOOD_VERBS and safe else "about"
    if len(words[0]) > 1 and words[0][0].isupper() and words[0][1:].islower():
        words[0] = words[0].lower()
    return kind, " ".join(words), label


def _voice(core: str, possessive: str, reflexive: str) -> str:
    def swap(match: re.Match[str]) -> str:
        word, after = match.group(1).lower(), match.group(2) or ""
        # "her" before a noun is a possessive ("her teeth"); otherwise it is someone else ("help her").
        if word == "her" and (not after or after.strip().lower() in data.STOPWORDS):
            return match.group(0)
        return (reflexive if word.endswith(("self", "selves")) else possessive) + after

    return _PRONOUNS.sub(swap, core)


def _hits(text: str, keywords: tuple[str, ...]) -> int:
    low = text.casefold().translate(_APOSTROPHES)
    words = {w.removesuffix("s") for w in re.findall(r"[\w']+", low)}
    return sum((k in low) if " " in k else (k.removesuffix("s") in words) for k in keywords)


def _theme(topic: str, core: str) -> data.Theme:
    # The lesson itself outweighs the context around it in a long topic; the first theme wins a tie.
    scores = [_hits(topic, t.keywords) + 2 * _hits(core, t.keywords) for t in data.THEMES]
    best = max(range(len(scores)), key=scores.__getitem__)
    return data.THEMES[best] if scores[best] else data.GENERIC_THEME


def _title_case(text: str) -> str:
    return " ".join(w if w.lower() in data.TITLE_SMALL else _cap(w) for w in text.split())


def _title(hero: str, kind: str, core: str, label: str) -> str:
    words = label.split()
    gerund = words[0].lower().endswith("ing") and kind != "fact"
    if (kind == "about" or gerund) and len(words) <= 3:
        return f"{hero} Learns About {_title_case(label)}"
    if kind == "about" and gerund and words[1].lower() not in data.DANGLING:
        return f"{hero} Learns About {_title_case(' '.join(words[:2]))}"  # "being mean to others"
    skip, key = data.STOPWORDS | data.ADJECTIVES | data.VERBS, []
    for i, raw in enumerate(core.split()):
        word = re.sub(r"[^\w'-]", "", raw).strip("'-")
        usable = len(word) >= 3 and word.lower() not in skip and (kind == "fact" or not word.endswith("ing"))
        if usable and not (i == 0 and kind in ("do", "avoid")):
            key.append(_cap(word))
        # Only a subject ("screen time") keeps a second word; "street safely" would read badly.
        if key and (not usable or raw[-1] in ",;" or len(key) == (2 if kind == "about" else 1)):
            break
    if key:
        return f"{hero} and the {' '.join(key)} Lesson"
    if kind in ("do", "avoid") and len(core.split()) <= 4:
        return f"{hero} Learns {'Not to' if kind == 'avoid' else 'to'} {_title_case(core)}"
    return f"{hero}'s Big Lesson"


def _grown_up(member: CastMember) -> bool:
    return member.age_group == "adult" or bool({"adult", "man", "woman"} & set(member.visual_tags))


def _is_female(tags: tuple[str, ...] | list[str]) -> bool:
    return bool({"girl", "woman"} & set(tags))


def _context(brief: StoryBrief) -> dict[str, str]:
    """Every value the scene templates use, derived from the brief alone."""
    kind, core, label = _lesson(brief.topic)
    theme = _theme(brief.topic, core)
    seed = hashlib.sha256(brief.topic.encode("utf-8", "surrogatepass")).digest()
    rng = random.Random(int.from_bytes(seed[:8], "big"))
    group = brief.age_group if brief.age_group in AGE_GUIDANCE else "5-12"
    hero = rng.choice([p for p in PRESET_CHARACTERS if p.age_group == group])
    friend = rng.choice([p.name for p in PRESET_CHARACTERS if p.age_group == "5-12" and p != hero])
    adult = rng.choice([p.name for p in PRESET_CHARACTERS if p.age_group == "adult"])
    hero_name, hero_tags = hero.name, hero.visual_tags
    # A cast chosen up front replaces the placeholder roles: first child is the hero, and so on.
    kids = [c for c in brief.cast if not _grown_up(c)]
    grown = [c for c in brief.cast if _grown_up(c)]
    if kids:
        hero_name, hero_tags = kids[0].name, tuple(kids[0].visual_tags)
    friend = kids[1].name if len(kids) > 1 else friend
    adult = grown[0].name if grown else adult
    their, self_ = ("her", "herself") if _is_female(hero_tags) else ("his", "himself")
    names = {"hero": hero_name, "friend": friend, "adult": adult, "their": their}
    voices = data.VOICES | {"c3": (their, self_)}
    spoken = {v: core if kind == "fact" else _voice(core, *forms) for v, forms in voices.items()}
    ctx = {key: text.format(**spoken, hero=hero_name) for key, text in data.PHRASES[kind].items()}
    ctx |= {field: getattr(theme, field).format(**names) for field in data.THEME_TEXT}
    ctx |= {_cap(field): _cap(ctx[field]) for field in data.CAPITALISED}
    speaker, line = theme.line
    ctx |= names | {"other": names.get(speaker, speaker), "other_line": line.format(**names)}
    ctx["reason"] = {"5-8": "", "9-12": theme.reason_old}.get(brief.age_group, theme.reason_young)
    ctx["limit"] = str(data.WORD_LIMITS.get(brief.age_group, data.WORD_LIMITS["5-12"]))
    ctx["title"], ctx["props"] = _title(hero_name, kind, core, label), "|".join(theme.props)
    return ctx


def _arc(count: int) -> list[str]:
    """The beats of a `count`-panel story, in story order."""
    chosen = set(data.BEAT_PRIORITY[:count])
    return ["whole"] if count == 1 else [beat for beat in data.BEAT_ORDER if beat in chosen]


def _scene(scene_id: int, beat_key: str, ctx: dict[str, str]) -> SceneDraft:
    beat, reason, limit = data.BEATS[beat_key], ctx["reason"], int(ctx["limit"])
    lines = []
    for role, template, with_reason in beat.lines:
        text = template.format_map(ctx)
        longer = [f"{text} {_cap(reason)}."] if with_reason and reason else []
        # Young readers get short lines: drop the reason first, then fall back to a stock line.
        said = next(t for t in [*longer, text, data.FALLBACK_LINES[role]] if len(t.split()) <= limit)
        lines.append(f'{ctx[role]}: "{said}"')
    lesson = beat.lesson.format_map(ctx)
    lesson = f"{lesson.rstrip('.')}, because {reason}." if beat.lesson_reason and reason else lesson
    props = ctx["props"].split("|")
    return SceneDraft(
        scene_id=scene_id,
        title=_words(beat.title.format_map(ctx), 6),
        description=_cap(beat.text.format_map(ctx)),
        dialogue="\n".join(lines),
        learning_point=_cap(lesson),
        visual_elements=[props[p] if isinstance(p, int) else p for p in beat.props],
    )


def _revise(scene: SceneDraft, note: str) -> SceneDraft:
    """`scene` with the parent's note folded into its description and any simple ask carried out."""
    note = _words(note, 60).rstrip(" .!?;:,")
    description = re.sub(r"\s*Revised to reflect:.*$", "", scene.description, flags=re.DOTALL)
    fields = {"title": scene.title, "description": description, "dialogue": scene.dialogue}
    fields["learning_point"] = scene.learning_point
    for pattern, reverse in _RENAMES:
        for match in pattern.finditer(note):
            old, new = match.group(2, 1) if reverse else match.group(1, 2)
            if old.lower() not in data.NOT_RENAMED:
                rule = re.compile(rf"\b{re.escape(old)}\b", _I)
                keep_case = lambda m, new=new: _cap(new) if m.group(0)[0].isupper() else new  # noqa: E731
                fields = {key: rule.sub(keep_case, value) for key, value in fields.items()}
    keep = 1 if re.search(data.SHORTER, note, _I) else 2
    kept = " ".join(re.split(r"(?<=[.!?])\s+", fields["description"])[:keep])
    fields["description"] = f"{kept} Revised to reflect: {note}."
    lines = fields.pop("dialogue").split("\n")[:keep]
    if speech := re.search(data.SPEECH, note):
        speakers = [line.split(":", 1)[0] if ":" in line else "" for line in lines]
        who = speech.group(1) if speech.group(1) in speakers else speakers[0] or "Narrator"
        lines[speakers.index(who) if who in speakers else -1] = f'{who}: "{speech.group(2).strip()}"'
    if title := re.search(data.TITLE, note, _I):
        fields["title"] = _words(title.group(1), 6)
    visuals = scene.visual_elements
    return SceneDraft(scene_id=scene.scene_id, dialogue="\n".join(lines), visual_elements=visuals, **fields)


def _cast_map(scenes: list[SceneDraft], cast: list[CastMember]) -> dict[str, str]:
    """Placeholder preset names in the scenes -> the cast actually chosen, or generic roles."""
    grown = {p.name: p.age_group == "adult" for p in PRESET_CHARACTERS}
    grown |= {c.name: c.age_group == "adult" or "adult" in c.visual_tags for c in cast}
    text, chosen = " ".join(f"{s.title} {s.description}" for s in scenes), {c.name for c in cast}
    found = sorted((m.start(), n) for n in grown if n not in chosen and (m := re.search(rf"\b{n}\b", text)))
    mapping: dict[str, str] = {}
    for _, name in found:
        free = [c.name for c in cast if c.name not in mapping.values() and grown[c.name] == grown[name]]
        child = "another child" if "a child" in mapping.values() else "a child"
        mapping[name] = (free or ["a grown-up" if grown[name] else child])[0]
    return mapping


def _recast(text: str, names: dict[str, str]) -> str:
    """`text` without quoted words (the image model must never be tempted to letter them), cast names in."""
    text = re.sub(r"[\"“”][^\"“”]*[\"“”]", "", text)
    if names:  # one pass, so that a replacement is never replaced again
        text = re.sub(rf"\b(?:{'|'.join(map(re.escape, names))})\b", lambda m: names[m.group(0)], text)
    return text


def _panel_prompt(scene: SceneDraft, beat: data.Beat, cast: list[CastMember], names: dict, style: ArtStyle) -> str:
    text = _recast(scene.description, names)
    text = re.sub(r"(^|[.!?]\s+)([a-z])", lambda m: m.group(1) + m.group(2).upper(), " ".join(text.split()))
    place = next((w for w in data.PLACE_WORDS if re.search(rf"\b{w}\b", text, _I)), "cheerful everyday")
    present = [c.name for c in cast if re.search(rf"\b{re.escape(c.name)}\b", text)] or [c.name for c in cast]
    who = " and ".join([", ".join(present[:-1]), present[-1]] if len(present) > 1 else present) or "a child"
    head = f"{beat.framing} in a {place} setting."
    tail = f"Featuring {who}. The mood is {beat.mood}. {_cap(style.prompt)}."
    room = 80 - len(head.split()) - len(tail.split())
    body = text if len(text.split()) <= room else _words(text, max(room, 0)).rstrip(" ,;:") + "."
    parts = [head, body, tail]
    details = f"Details: {', '.join(scene.visual_elements)}."
    if scene.visual_elements and len(" ".join([*parts, details]).split()) <= 80:
        parts.insert(2, details)
    for filler in data.PROMPT_FILLERS:
        if len(" ".join(parts).split()) < 40:
            parts.insert(-1, filler)
    return _words(" ".join(p for p in parts if p.strip()), 80)


class OfflineTextModel:
    """Writes scripts, rewrites and image prompts locally from templates, deterministically."""

    name = "offline"

    async def write_script(self, brief: StoryBrief) -> ComicScript:
        """A title and `brief.panel_count` scenes that follow a teaching arc for the topic."""
        if not 1 <= brief.panel_count <= 12:
            raise ProviderError(f"panel_count must be between 1 and 12, got {brief.panel_count}")
        ctx = _context(brief)
        scenes = [_scene(i, beat, ctx) for i, beat in enumerate(_arc(brief.panel_count), start=1)]
        return ComicScript(title=ctx["title"], scenes=scenes)

    async def rewrite_scenes(
        self, brief: StoryBrief, scenes: list[SceneDraft], feedback: list[SceneFeedback]
    ) -> list[SceneDraft]:
        """New versions of exactly the scenes named in `feedback`, in feedback order."""
        by_id = {scene.scene_id: scene for scene in scenes}
        notes: dict[int, list[str]] = {}
        for item in feedback:
            if item.scene_id not in by_id:
                known = ", ".join(map(str, sorted(by_id))) or "none"
                raise ProviderError(f"feedback names scene {item.scene_id}; the scenes are {known}")
            notes.setdefault(item.scene_id, []).append(_clean(item.feedback))
        return [_revise(by_id[scene_id], "; ".join(texts)) for scene_id, texts in notes.items()]

    async def write_panel_prompts(
        self, brief: StoryBrief, scenes: list[SceneDraft], cast: list[CastMember], style: ArtStyle
    ) -> list[PanelPrompt]:
        """One 40-80 word image prompt per scene that names the chosen cast and folds in the style, staged by rule."""
        beats = [data.BEATS[key] for key in _arc(min(max(len(scenes), 1), 12))]
        names = _cast_map(scenes, cast)
        prompts = []
        for i, scene in enumerate(scenes):
            figures, speakers = stage(scene, _recast(f"{scene.title}. {scene.description}", names), cast)
            prompt = _panel_prompt(scene, beats[i % len(beats)], cast, names, style)
            prompts.append(PanelPrompt(scene_id=scene.scene_id, prompt=prompt, figures=figures, speakers=speakers))
        return check_stagings(prompts, scenes, cast)

    async def aclose(self) -> None:
        """Nothing to release."""

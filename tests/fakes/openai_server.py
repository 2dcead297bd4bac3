"""A fake OpenAI server: Chat Completions for the three structured-output schemas the service uses,
and the moderation endpoint (it flags any input containing `flag_word`).

Image-prompt replies stage every panel as a model would: the whole cast spread across the panel,
and an extra for each speaker of the dialogue who is not in the cast."""

from __future__ import annotations

import asyncio
import itertools
import json
import random
import re
import threading
import time
from typing import Any, Self

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from ._serve import ServerThread

# A label line ("Brief:") followed by a JSON document; see the service's prompt builder.
_LABEL_RE = re.compile(r"^([A-Za-z][A-Za-z ]*):[ \t]*\n", re.MULTILINE)
_DECODER = json.JSONDecoder()
_ERROR_TYPES = {
    400: ("invalid_request_error", None),
    401: ("invalid_request_error", "invalid_api_key"),
    404: ("invalid_request_error", "model_not_found"),
    429: ("requests", "rate_limit_exceeded"),
}


def parse_blocks(text: str) -> dict[str, Any]:
    """Return ``{label: json_value}`` for every ``Label:`` line followed by a JSON document."""
    blocks: dict[str, Any] = {}
    for match in _LABEL_RE.finditer(text):
        rest = text[match.end() :]
        start = len(rest) - len(rest.lstrip())
        try:
            value, _ = _DECODER.raw_decode(rest, start)
        except json.JSONDecodeError:
            continue  # a prose line that merely ends in a colon
        if isinstance(value, (dict, list)):  # "Steps:\n1. ..." would otherwise decode as the number 1
            blocks[match.group(1).strip()] = value
    return blocks


def _error(status: int, message: str, *, fast_retry: bool = True) -> JSONResponse:
    err_type, code = _ERROR_TYPES.get(status, ("server_error" if status >= 500 else "invalid_request_error", None))
    # openai's SDK ignores "retry-after: 0" (it only honours delays > 0) and would back off ~0.5 s;
    # "retry-after-ms: 1" takes precedence and keeps SDK-level retries fast in tests.
    headers = ({"retry-after-ms": "1"} if fast_retry else {}) | ({"retry-after": "0"} if status == 429 else {})
    body = {"error": {"message": message, "type": err_type, "param": None, "code": code}}
    return JSONResponse(body, status_code=status, headers=headers)


def _text_of(content: Any) -> str:
    # Content may be a plain string or a list of typed parts ({"type": "text", "text": ...}).
    if isinstance(content, list):
        return "\n".join(p.get("text", "") for p in content if isinstance(p, dict))
    return content if isinstance(content, str) else ""


def _scene(scene_id: int, topic: str, age_group: str) -> dict[str, Any]:
    return {
        "scene_id": scene_id,
        "title": f"Panel {scene_id}: {topic}",
        "description": f"Scene {scene_id} of a story about {topic}, told for readers aged {age_group}.",
        "dialogue": f'"Look, this is part {scene_id} of {topic}!"',
        "learning_point": f"Fact number {scene_id} about {topic}.",
        "visual_elements": [topic, f"prop {scene_id}", "friendly sidekick"],
    }


class FakeOpenAI:
    """Serves ``POST /v1/chat/completions``; knobs and records are plain attributes."""

    def __init__(self, port: int = 0) -> None:
        self.latency: float = 0.0
        self.invalid_replies: int = 0
        self.fail_statuses: list[int] = []
        self.flaky: float = 0.0  # chance that a request fails with 429 or 500 (seeded, so runs repeat)
        self._rng = random.Random(1)
        self.rewrite_unrequested: bool = False
        self.requests: list[dict[str, Any]] = []
        # Moderation: inputs containing `flag_word` (any case) are flagged in `flag_category`.
        self.flag_word: str = "zzunsafe"
        self.flag_category: str = "violence/graphic"
        self.moderation_status: int | None = None  # answer every moderation request with this error
        self.moderations: list[dict[str, Any]] = []
        # The next N structured replies carry `flag_word` in their text, as if the model wrote something unsafe.
        self.unsafe_replies: int = 0
        # The next N image-prompt replies leave the extras out, breaking the rule that every speaker is placed.
        self.unstaged_replies: int = 0
        # The next N structured replies stop at the token limit: half their JSON, `finish_reason` "length".
        self.cut_off_replies: int = 0
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        app = Starlette(
            routes=[
                Route("/v1/chat/completions", self._completions, methods=["POST"]),
                Route("/v1/moderations", self._moderations, methods=["POST"]),
            ]
        )
        self._server = ServerThread(app, port=port)

    @property
    def port(self) -> int:
        return self._server.port

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def requests_for(self, schema_name: str) -> list[dict[str, Any]]:
        """Recorded request bodies whose ``response_format`` names ``schema_name``."""
        with self._lock:
            return [r for r in self.requests if _schema_name(r) == schema_name]

    def reset(self) -> None:
        """Restore default knobs and forget recorded requests."""
        with self._lock:
            self.latency, self.invalid_replies, self.rewrite_unrequested = 0.0, 0, False
            self.flaky, self._rng = 0.0, random.Random(1)
            self.fail_statuses.clear()
            self.requests.clear()
            self.flag_word, self.flag_category, self.moderation_status = "zzunsafe", "violence/graphic", None
            self.moderations.clear()
            self.cut_off_replies = 0
            self.unsafe_replies = 0
            self.unstaged_replies = 0

    async def _completions(self, request: Request) -> JSONResponse:
        try:
            body = await request.json()
        except ValueError:
            return _error(400, "We could not parse the JSON body of your request.", fast_retry=False)
        # Record before auth so tests can see exactly what reached the wire.
        with self._lock:
            self.requests.append(body)
        auth = request.headers.get("authorization", "")
        if not auth.startswith("Bearer ") or not auth[len("Bearer ") :].strip():
            return _error(401, "You didn't provide an API key in an Authorization header (Bearer).", fast_retry=False)
        if self.latency > 0:
            await asyncio.sleep(self.latency)
        with self._lock:
            status = self.fail_statuses.pop(0) if self.fail_statuses else None
            if status is None and self._rng.random() < self.flaky:
                status = self._rng.choice((429, 500))
            invalid = self.invalid_replies > 0
            if status is None and invalid:
                self.invalid_replies -= 1
        if status is not None:
            return _error(status, f"Injected failure with HTTP status {status}.")
        if invalid:
            return self._reply(body, '{"oops": true}')
        name = _schema_name(body)
        user_text = "\n".join(_text_of(m.get("content")) for m in body.get("messages", []) if m.get("role") == "user")
        blocks = parse_blocks(user_text)
        if name == "ComicScript":
            payload = _comic_script(blocks)
        elif name == "SceneRewrites":
            payload = _scene_rewrites(blocks, self.rewrite_unrequested)
        elif name == "PanelPrompts":
            with self._lock:
                unstaged = self.unstaged_replies > 0
                self.unstaged_replies -= unstaged
            payload = _panel_prompts(blocks, with_extras=not unstaged)
        else:
            return _error(400, f"Fake server does not know response_format schema {name!r}.", fast_retry=False)
        with self._lock:
            unsafe = self.unsafe_replies > 0
            self.unsafe_replies -= unsafe
        if unsafe:
            payload = _taint(payload, self.flag_word)
        with self._lock:
            cut = self.cut_off_replies > 0
            self.cut_off_replies -= cut
        content = json.dumps(payload, ensure_ascii=False)
        if cut:
            return self._reply(body, content[: len(content) // 2], finish_reason="length")
        return self._reply(body, content)

    async def _moderations(self, request: Request) -> JSONResponse:
        try:
            body = await request.json()
        except ValueError:
            return _error(400, "We could not parse the JSON body of your request.", fast_retry=False)
        with self._lock:
            self.moderations.append(body)
        if self.moderation_status is not None:
            return _error(self.moderation_status, f"Injected failure with HTTP status {self.moderation_status}.")
        inputs = body.get("input")
        texts = [inputs] if isinstance(inputs, str) else [str(item) for item in inputs or []]
        results = [_moderation(self.flag_word.lower() in text.lower(), self.flag_category) for text in texts]
        return JSONResponse({"id": f"modr-fake{next(self._ids)}", "model": body.get("model"), "results": results})

    def _reply(self, body: dict[str, Any], content: str, finish_reason: str = "stop") -> JSONResponse:
        prompt_tokens = max(1, len(json.dumps(body.get("messages", []))) // 4)
        completion_tokens = max(1, len(content) // 4)
        return JSONResponse(
            {
                "id": f"chatcmpl-fake{next(self._ids)}",
                "object": "chat.completion",
                "created": int(time.time()),
                "model": body.get("model", "gpt-fake"),
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": content, "refusal": None},
                        "logprobs": None,
                        "finish_reason": finish_reason,
                    }
                ],
                "usage": {
                    "prompt_tokens": prompt_tokens,
                    "completion_tokens": completion_tokens,
                    "total_tokens": prompt_tokens + completion_tokens,
                },
                "system_fingerprint": "fp_fake",
            }
        )

    def start(self) -> Self:
        self._server.start()
        return self

    def stop(self) -> None:
        self._server.stop()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


_CATEGORIES = (
    "harassment",
    "harassment/threatening",
    "hate",
    "hate/threatening",
    "illicit",
    "illicit/violent",
    "self-harm",
    "self-harm/intent",
    "self-harm/instructions",
    "sexual",
    "sexual/minors",
    "violence",
    "violence/graphic",
)


def _moderation(flagged: bool, category: str) -> dict[str, Any]:
    """One result of the moderation endpoint, shaped like OpenAI's."""
    on = {name: flagged and name == category for name in _CATEGORIES}
    return {
        "flagged": flagged,
        "categories": on,
        "category_scores": {name: 0.97 if hit else 0.0001 for name, hit in on.items()},
        "category_applied_input_types": {name: ["text"] for name in _CATEGORIES},
    }


def _taint(payload: dict[str, Any], word: str) -> dict[str, Any]:
    """The reply with `word` in its first scene's dialogue (prompt replies: in the first prompt)."""
    for key, field in (("scenes", "dialogue"), ("prompts", "prompt")):
        if payload.get(key):
            payload[key][0][field] = f"{payload[key][0][field]} {word}"
    return payload


def _schema_name(body: dict[str, Any]) -> str | None:
    fmt = body.get("response_format") or {}
    return (fmt.get("json_schema") or {}).get("name")


def _comic_script(blocks: dict[str, Any]) -> dict[str, Any]:
    brief = blocks.get("Brief") or {}
    topic, age = str(brief.get("topic", "")), str(brief.get("age_group", ""))
    count = int(brief.get("panel_count", 6))
    return {
        "title": f"The Big Adventure of {topic}",
        "scenes": [_scene(i, topic, age) for i in range(1, count + 1)],
    }


def _scene_rewrites(blocks: dict[str, Any], rewrite_unrequested: bool) -> dict[str, Any]:
    brief = blocks.get("Brief") or {}
    topic, age = str(brief.get("topic", "")), str(brief.get("age_group", ""))
    current = {s["scene_id"]: s for s in blocks.get("Current scenes") or [] if "scene_id" in s}
    feedback = blocks.get("Feedback") or []
    scenes = []
    for item in feedback:
        sid = item["scene_id"]
        base = dict(current.get(sid) or _scene(sid, topic, age))
        base["title"] = f"{base['title']} (revised)"
        base["description"] = f"Revised to address: {item['feedback']}. {base['description']}"
        scenes.append(base)
    if rewrite_unrequested:
        named = {item["scene_id"] for item in feedback}
        spare = [sid for sid in current if sid not in named]
        sid = spare[0] if spare else max([*named, *current, 0]) + 1
        extra = dict(current.get(sid) or _scene(sid, topic, age))
        extra["description"] = f"UNREQUESTED rewrite nobody asked for. {extra['description']}"
        scenes.append(extra)
    return {"scenes": scenes}


_SPEAKER_RE = re.compile(r"^\s*([^\W\d_][\w .'-]{0,39}?)\s*:", re.MULTILINE)
_SPOTS = [("left", "front"), ("right", "front"), ("centre", "front"), ("centre", "back"), ("left", "back")]


def _staging(scene: dict[str, Any], names: list[str], with_extras: bool) -> tuple[list[dict[str, Any]], list[str]]:
    speakers = list(dict.fromkeys(m.group(1).strip() for m in _SPEAKER_RE.finditer(str(scene.get("dialogue", "")))))
    speakers = [name for name in speakers if name.casefold() != "narrator"]
    cast = {name.casefold() for name in names}
    extras = [name for name in speakers if name.casefold() not in cast] if with_extras else []
    people = [(name, False, "") for name in names] + [(n, True, "a tall man in a long grey coat") for n in extras]
    figures = [
        {"name": name, "position": spot[0], "depth": spot[1], "extra": extra, "look": look}
        for (name, extra, look), spot in zip(people, _SPOTS, strict=False)
    ]
    placed = {figure["name"] for figure in figures}
    return figures, [name for name in speakers if name in placed]


def _panel_prompts(blocks: dict[str, Any], with_extras: bool = True) -> dict[str, Any]:
    brief = blocks.get("Brief") or {}
    style = str(brief.get("art_style", "storybook"))
    cast = [str(c.get("name", "")) for c in blocks.get("Characters") or []]
    names = ", ".join(cast)
    prompts = []
    for scene in blocks.get("Scenes") or []:
        prompt = (
            f"{style} children's comic panel, {scene.get('title', '')}: {scene.get('description', '')} "
            f"Characters: {names or 'none'}. Topic: {brief.get('topic', '')}."
        )
        figures, speakers = _staging(scene, cast, with_extras)
        prompts.append({"scene_id": scene.get("scene_id"), "prompt": prompt, "figures": figures, "speakers": speakers})
    return {"prompts": prompts}

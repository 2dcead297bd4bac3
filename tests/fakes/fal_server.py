"""A fake fal.ai queue server (HTTPS, throwaway CA) that renders real PNGs with Pillow.

Besides the happy path it fails the ways fal.ai does, each on a knob: a submission refused or
rate-limited before it is queued (`fail_statuses`, `flaky`), a submission queued whose answer is
lost (`reply_faults`: a 5xx or a dropped connection after acceptance), a request that runs and
finishes with an error (`fail_every`), and result URLs on other hosts or behind redirects
(`image_url`, and the `/redirect/...` route).
"""

from __future__ import annotations

import asyncio
import base64
import concurrent.futures
import hashlib
import io
import random
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Self

import trustme
from PIL import Image, ImageDraw
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from ._serve import ServerThread
from .fal_faults import CANCELLED, DroppedAnswer, failure_answer, failure_of
from .fal_listing import BadQuery, Listed, list_requests

# fal's own named sizes, so callers that send a preset string still get a sensible image.
_SIZE_PRESETS = {
    "square_hd": (1024, 1024),
    "square": (512, 512),
    "portrait_4_3": (768, 1024),
    "portrait_16_9": (576, 1024),
    "landscape_4_3": (1024, 768),
    "landscape_16_9": (1024, 576),
}
_NAMESPACES = ("workflows", "comfy")  # mirrors fal_client.client.APP_NAMESPACES
# Endpoints that draw from reference pictures (FLUX Kontext multi, nano-banana edit): they require
# `image_urls` and size the picture by `aspect_ratio`, not `image_size`.
_REFERENCE_SUFFIXES = ("/multi", "/edit")
_ASPECT_RATIOS = {"21:9": (21, 9), "16:9": (16, 9), "4:3": (4, 3), "3:2": (3, 2), "1:1": (1, 1)}
_ASPECT_RATIOS |= {"2:3": (2, 3), "3:4": (3, 4), "9:16": (9, 16), "9:21": (9, 21)}
_PAINT_AHEAD = 0.25  # seconds before a request completes that its picture is painted


def make_ca_bundle(directory: str | Path) -> tuple[trustme.CA, Path]:
    """Create a throwaway CA and write its PEM to ``directory/ca.pem`` (point SSL_CERT_FILE at it)."""
    ca = trustme.CA()
    path = Path(directory) / "ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return ca, path


@dataclass
class _Job:
    request_id: str
    base: str  # "owner/alias": status/result/cancel URLs drop the endpoint sub-path, like real fal
    arguments: dict[str, Any]
    submitted_at: float
    latency: float
    sent_at: float  # wall clock, for the request listing
    cancelled: bool = False
    failed: bool = False  # finishes with an error (see FakeFal.fail_every)
    result: dict[str, Any] | None = None
    # The first picture, drawn while the request "runs" (see FakeFal._draw_soon).
    png: concurrent.futures.Future[bytes] | None = None

    @property
    def done(self) -> bool:
        return time.monotonic() >= self.submitted_at + self.latency


class FakeFal:
    """Serves the fal queue protocol on ``https://127.0.0.1:PORT``; knobs and records are attributes."""

    def __init__(self, ca: trustme.CA, port: int = 0) -> None:
        self.latency: float = 0.0
        self.data_urls: bool = False
        self.fail_statuses: list[int] = []
        # Chance that a submission fails (seeded, so runs repeat): half of the time with 429 before it
        # is queued, half of the time with 500 after it was queued (fal took it; its answer is lost).
        self.flaky: float = 0.0
        # The next submissions are queued, then answered with this status or their connection dropped.
        self.reply_faults: list[int | Literal["drop"]] = []
        self.lost_replies: list[str] = []  # ids of requests queued whose answer was a reply fault
        # Every n-th request queued (1-based, counted since reset) runs and finishes with an error:
        # status COMPLETED with `error`, its result endpoint answering `failure_status`. 0: none.
        self.fail_every: int = 0
        self.fail_next: int = 0  # the next N requests queued finish with an error, too
        self.failure_status: int = 500
        self.failed: list[str] = []  # ids of requests that finish with an error
        self.result_fetches: dict[str, int] = {}  # answers of the result endpoint, per request id
        # Turns each result's natural image URL into another (another host, a redirect...); None: as is.
        self.image_url: Callable[[str], str] | None = None
        self._rng = random.Random(1)
        self.nsfw_results: int = 0  # the next N results come back with has_nsfw_concepts: [true]
        self.submissions: list[dict[str, Any]] = []
        self.rejected: list[int] = []  # statuses answered from fail_statuses, in order
        self.downloads: int = 0
        self.status_polls: int = 0
        self.listings: int = 0  # calls of the request listing (Platform API)
        # Seconds a submission's answer is held back after the request was queued: a client killed
        # meanwhile has had its request taken without learning its id.
        self.submit_reply_delay: float = 0.0
        self.cancelled: list[str] = []
        self._jobs: dict[str, _Job] = {}
        self._painters = concurrent.futures.ThreadPoolExecutor(max_workers=2, thread_name_prefix="fake-fal-paint")
        self._lock = threading.Lock()
        self._tmp = tempfile.TemporaryDirectory(prefix="fake-fal-")
        leaf = ca.issue_cert("127.0.0.1", "localhost")
        certfile, keyfile = Path(self._tmp.name) / "cert.pem", Path(self._tmp.name) / "key.pem"
        certfile.write_bytes(b"".join(blob.bytes() for blob in leaf.cert_chain_pems))
        leaf.private_key_pem.write_to_path(str(keyfile))
        app = Starlette(
            routes=[
                Route("/files/{name}", self._file, methods=["GET"]),
                Route("/redirect/{hops:int}/{name}", self._redirect, methods=["GET"]),
                Route("/v1/models/requests/by-endpoint", self._list, methods=["GET"]),
                Route("/{base:path}/requests/{request_id}/status", self._status, methods=["GET"]),
                Route("/{base:path}/requests/{request_id}/cancel", self._cancel, methods=["PUT"]),
                Route("/{base:path}/requests/{request_id}", self._result, methods=["GET"]),
                Route("/{application:path}", self._submit, methods=["POST"]),
            ]
        )
        self._server = ServerThread(app, port=port, ssl_certfile=str(certfile), ssl_keyfile=str(keyfile))

    @property
    def port(self) -> int:
        return self._server.port

    @property
    def host(self) -> str:
        """The value for ``FAL_QUEUE_RUN_HOST``."""
        return f"127.0.0.1:{self.port}"

    @property
    def platform_url(self) -> str:
        """The value for ``FAL_PLATFORM_URL``."""
        return f"https://{self.host}/v1"

    def max_concurrent(self) -> int:
        """Most submissions whose [submitted_at, submitted_at + latency) windows overlapped."""
        with self._lock:
            windows = [(s["submitted_at"], s["submitted_at"] + s["latency"]) for s in self.submissions]
        return max(
            (sum(1 for start, end in windows if start <= t < end or start == t) for t, _ in windows),
            default=0,
        )

    def reset(self) -> None:
        """Restore default knobs and forget records and jobs."""
        with self._lock:
            self.latency, self.data_urls, self.downloads, self.status_polls = 0.0, False, 0, 0
            self.listings, self.submit_reply_delay = 0, 0.0
            self.flaky, self._rng = 0.0, random.Random(1)
            self.nsfw_results, self.fail_every, self.fail_next, self.failure_status = 0, 0, 0, 500
            self.image_url = None
            self.result_fetches.clear()
            for seq in (self.fail_statuses, self.submissions, self.rejected, self.cancelled, self.reply_faults):
                seq.clear()
            for seq in (self.lost_replies, self.failed):
                seq.clear()
            self._jobs.clear()

    def _paint(self, job: _Job) -> None:
        job.png = self._painters.submit(_render_png, job, 0)

    def _urls(self, job: _Job) -> dict[str, str]:
        base = f"https://{self.host}/{job.base}/requests/{job.request_id}"
        return {"response_url": base, "status_url": base + "/status", "cancel_url": base + "/cancel"}

    def _lookup(self, request: Request) -> _Job | JSONResponse:
        if (denied := _check_auth(request)) is not None:
            return denied
        job = self._jobs.get(request.path_params["request_id"])
        if job is None or job.base != request.path_params["base"]:
            return _detail(404, "Request not found")
        return job

    async def _submit(self, request: Request) -> JSONResponse:
        # A request's clock starts when it arrives, as on fal's own machines: reading the body and
        # checking the reference pictures below (~15 ms of this process's time for a submit with
        # references, one after another on its event loop) is not time the model spends drawing.
        arrived, arrived_wall = time.monotonic(), time.time()
        if (denied := _check_auth(request)) is not None:
            return denied
        try:
            arguments = await request.json()
        except ValueError:
            return _detail(422, "Request body is not valid JSON")
        application = request.path_params["application"].strip("/")
        images: list[bytes | str] = []
        if application.endswith(_REFERENCE_SUFFIXES):
            problem = _reference_problem(arguments, images)
            if problem is not None:
                return _detail(422, problem)
        parts = application.split("/")
        base = "/".join(parts[: 3 if parts[0] in _NAMESPACES else 2])
        with self._lock:
            if not self.fail_statuses and not self.reply_faults and self._rng.random() < self.flaky:
                if self._rng.random() < 0.5:
                    self.fail_statuses.append(429)
                else:
                    self.reply_faults.append(500)
            if self.fail_statuses:
                status = self.fail_statuses.pop(0)
                self.rejected.append(status)
                return _detail(status, f"Injected failure with HTTP status {status}")
            job = _Job(uuid.uuid4().hex, base, arguments, arrived, self.latency, arrived_wall)
            self._jobs[job.request_id] = job
            job.failed = bool(self.fail_every) and len(self.submissions) % self.fail_every == self.fail_every - 1
            if self.fail_next > 0:
                job.failed, self.fail_next = True, self.fail_next - 1
            if job.failed:
                self.failed.append(job.request_id)
            self.submissions.append(
                {
                    "request_id": job.request_id,
                    "application": application,
                    "arguments": arguments,
                    "authorization": request.headers["authorization"],
                    # The reference pictures received: decoded `data:` URIs as bytes, other URLs as given.
                    "images": images,
                    "submitted_at": job.submitted_at,
                    "latency": job.latency,
                }
            )
            delay = self.submit_reply_delay
            fault = self.reply_faults.pop(0) if self.reply_faults else None
            if fault is not None:
                self.lost_replies.append(job.request_id)
        # Real fal has drawn the picture by the time the request completes, and its CDN serves a
        # finished file: the fake paints it in a thread just before it is due (not at once, which
        # would pile every picture of a burst onto the cores at the same moment), so a download
        # does not wait for Pillow on this server's event loop.
        asyncio.get_running_loop().call_later(max(0.0, job.latency - _PAINT_AHEAD), self._paint, job)
        await asyncio.sleep(delay)
        if fault == "drop":
            return DroppedAnswer()
        if fault is not None:
            return _detail(fault, "Internal Server Error")
        return JSONResponse(
            {"status": "IN_QUEUE", "request_id": job.request_id, "queue_position": 0, **self._urls(job)},
            headers={"x-fal-request-id": job.request_id},
        )

    async def _status(self, request: Request) -> JSONResponse:
        job = self._lookup(request)
        if isinstance(job, JSONResponse):
            return job
        with self._lock:
            self.status_polls += 1
        logs = [] if request.query_params.get("logs", "").lower() in ("1", "true") else None
        body: dict[str, Any] = {"request_id": job.request_id, **self._urls(job), "logs": logs}
        if job.cancelled:
            # Invented detail: real fal's post-cancel status is not documented precisely; the error
            # type is the one fal documents for a request its client cancelled.
            body.update(status="COMPLETED", metrics={}, **CANCELLED)
        elif job.done and job.failed:
            body.update(status="COMPLETED", metrics={}, **failure_of(self.failure_status))
        elif job.done:
            body.update(status="COMPLETED", metrics={"inference_time": job.latency})
        elif time.monotonic() < job.submitted_at + job.latency / 2:
            body.update(status="IN_QUEUE", queue_position=0)
        else:
            body.update(status="IN_PROGRESS")
        return JSONResponse(body)

    async def _result(self, request: Request) -> JSONResponse:
        job = self._lookup(request)
        if isinstance(job, JSONResponse):
            return job
        if job.cancelled:
            return failure_answer(job.request_id, 499, CANCELLED)
        if not job.done:
            return _detail(400, "Request is still in progress")
        with self._lock:
            self.result_fetches[job.request_id] = self.result_fetches.get(job.request_id, 0) + 1
        if job.failed:
            return failure_answer(job.request_id, self.failure_status, failure_of(self.failure_status))
        return JSONResponse(self._result_of(job), headers={"x-fal-request-id": job.request_id})

    async def _cancel(self, request: Request) -> JSONResponse:
        job = self._lookup(request)
        if isinstance(job, JSONResponse):
            return job
        if job.done or job.cancelled:
            return JSONResponse({"status": "ALREADY_COMPLETED"}, status_code=400)
        job.cancelled = True
        with self._lock:
            self.cancelled.append(job.request_id)
        return JSONResponse({"status": "CANCELLATION_REQUESTED"}, status_code=202)

    async def _list(self, request: Request) -> JSONResponse:
        if (denied := _check_auth(request)) is not None:
            return denied
        with self._lock:
            self.listings += 1
            listed = [
                Listed(
                    request_id=job.request_id,
                    endpoint_id=submission["application"],
                    sent_at=job.sent_at,
                    ended_at=job.sent_at + job.latency,
                    status_code=499 if job.cancelled else self.failure_status if job.failed else 200,
                    json_input=job.arguments,
                    json_output=lambda job=job: self._result_of(job),
                )
                for submission in self.submissions
                if (job := self._jobs.get(submission["request_id"])) is not None
            ]
        try:
            return JSONResponse(list_requests(listed, request.query_params, time.time()))
        except BadQuery as exc:
            return _detail(422, str(exc))

    async def _file(self, request: Request) -> Response:
        stem, _, ext = request.path_params["name"].rpartition(".")
        request_id, _, index = stem.partition("-")
        job = self._jobs.get(request_id)
        if ext != "png" or job is None or not job.done or job.cancelled or job.failed:
            return _detail(404, "Not Found")
        png = job.png.result() if job.png is not None and not index else _render_png(job, int(index or 0))
        with self._lock:
            self.downloads += 1
        return Response(png, media_type="image/png")

    async def _redirect(self, request: Request) -> Response:
        """`hops` more redirects, then to the file (or to the `to` query parameter, wherever that points)."""
        hops, name = request.path_params["hops"], request.path_params["name"]
        if hops > 0:
            return RedirectResponse(f"/redirect/{hops - 1}/{name}?{request.url.query}", status_code=302)
        return RedirectResponse(request.query_params.get("to", f"/files/{name}"), status_code=302)

    def _result_of(self, job: _Job) -> dict[str, Any]:
        """The job's result, the same however often and wherever it is asked for."""
        if job.result is None:
            job.result = self._build_result(job)
        return job.result

    def _build_result(self, job: _Job) -> dict[str, Any]:
        args = job.arguments
        width, height = _image_size(args.get("image_size"), args.get("aspect_ratio"))
        images = []
        for i in range(max(1, int(args.get("num_images", 1)))):
            if self.data_urls:
                url = "data:image/png;base64," + base64.b64encode(_render_png(job, i)).decode("ascii")
            else:
                url = f"https://{self.host}/files/{job.request_id}{f'-{i}' if i else ''}.png"
                url = self.image_url(url) if self.image_url is not None else url
            images.append({"url": url, "width": width, "height": height, "content_type": "image/png"})
        with self._lock:
            nsfw = self.nsfw_results > 0
            self.nsfw_results -= nsfw
        return {
            "images": images,
            "timings": {"inference": job.latency},
            "seed": args.get("seed", random.randrange(2**31)),
            "has_nsfw_concepts": [nsfw] * len(images),
            "prompt": args.get("prompt", ""),
        }

    def start(self) -> Self:
        self._server.start()
        return self

    def stop(self) -> None:
        self._server.stop()
        self._painters.shutdown(cancel_futures=True)
        self._tmp.cleanup()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def _detail(status: int, message: str) -> JSONResponse:
    """fal-style error body."""
    return JSONResponse({"detail": message}, status_code=status)


def _check_auth(request: Request) -> JSONResponse | None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme != "Key" or not token.strip():
        return _detail(401, "Missing or invalid 'Authorization: Key <key>' header")
    return None


def _reference_problem(arguments: Any, images: list[bytes | str]) -> str | None:
    """What real fal's input validation would refuse in a reference endpoint's input (None: fine).

    Fills `images` with the pictures: `data:` URIs decoded (they must decode as images), URLs kept.
    """
    urls = arguments.get("image_urls") if isinstance(arguments, dict) else None
    if not isinstance(urls, list) or not urls or not all(isinstance(u, str) for u in urls):
        return "image_urls: field required (a non-empty list of image URLs)"
    ratio = arguments.get("aspect_ratio", "1:1")
    if ratio not in _ASPECT_RATIOS:
        return f"aspect_ratio: unexpected value {ratio!r}"
    for url in urls:
        if not url.startswith("data:"):
            images.append(url)
            continue
        header, _, payload = url.partition(",")
        try:
            data = base64.b64decode(payload, validate=True)
            with Image.open(io.BytesIO(data)) as picture:
                picture.load()
        except (ValueError, OSError) as exc:
            return f"image_urls: cannot read {header}: {exc}"
        images.append(data)
    return None


def _image_size(value: Any, aspect_ratio: Any = None) -> tuple[int, int]:
    if aspect_ratio in _ASPECT_RATIOS:
        # Invented detail: real Kontext draws about a megapixel; the fake keeps the long side at 768.
        w, h = _ASPECT_RATIOS[aspect_ratio]
        return (768, round(768 * h / w)) if w >= h else (round(768 * w / h), 768)
    if isinstance(value, dict):
        width, height = int(value.get("width", 1024)), int(value.get("height", 768))
    else:
        width, height = _SIZE_PRESETS.get(str(value), _SIZE_PRESETS["landscape_4_3"])
    return max(1, min(width, 4096)), max(1, min(height, 4096))


def _render_png(job: _Job, index: int) -> bytes:
    """A deterministic, non-blank PNG: prompt-derived background with a contrasting sun and frame."""
    width, height = _image_size(job.arguments.get("image_size"), job.arguments.get("aspect_ratio"))
    digest = hashlib.sha256(f"{job.arguments.get('prompt', '')}#{index}".encode()).digest()
    bg = (digest[0], digest[1], digest[2])
    fg = (255 - bg[0], 255 - bg[1], 255 - bg[2])
    image = Image.new("RGB", (width, height), bg)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, width - 1, height - 1), outline=fg, width=max(1, min(width, height) // 40))
    draw.ellipse((width // 4, height // 4, 3 * width // 4, 3 * height // 4), fill=fg)
    draw.text((8, 8), str(job.arguments.get("prompt", ""))[:60], fill=fg)
    buf = io.BytesIO()
    image.save(buf, format="PNG", compress_level=1)  # speed over size: tests download these a lot
    return buf.getvalue()

"""A fake Supabase Storage server: the bucket and object routes an upload uses, on 127.0.0.1.

Shapes follow the Storage API reference: `GET /storage/v1/bucket/{id}`, `POST /storage/v1/bucket`,
`POST`/`PUT /storage/v1/object/{bucket}/{path}` (a duplicate is refused unless `x-upsert: true`),
and `HEAD /storage/v1/object/authenticated/{bucket}/{path}` for an object's size. Errors are the
Storage JSON body `{"statusCode", "error", "message"}` with HTTP 400/404, as Storage answers them.
Every request must carry `Authorization: Bearer <key>` and `apikey: <key>`.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Self

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ._serve import ServerThread


@dataclass
class StoredObject:
    """An object as the fake keeps it."""

    data: bytes
    content_type: str


@dataclass
class FakeStorageState:
    """Buckets, objects, recorded requests and failure knobs; shared with the test."""

    key: str
    buckets: set[str] = field(default_factory=set)
    objects: dict[tuple[str, str], StoredObject] = field(default_factory=dict)
    requests: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)
    fail_uploads: list[int] = field(default_factory=list)  # statuses for the next uploads, in order
    lock: threading.Lock = field(default_factory=threading.Lock)


def _error(status: int, code: str, error: str, message: str) -> JSONResponse:
    return JSONResponse({"statusCode": code, "error": error, "message": message}, status_code=status)


def build_app(state: FakeStorageState) -> Starlette:
    """The Starlette app of the fake."""

    def authorised(request: Request) -> bool:
        with state.lock:
            state.requests.append((request.method, request.url.path, dict(request.headers)))
        return (
            request.headers.get("authorization") == f"Bearer {state.key}" and request.headers.get("apikey") == state.key
        )

    async def get_bucket(request: Request) -> Response:
        if not authorised(request):
            return _error(400, "403", "Unauthorized", "invalid signature")
        bucket = request.path_params["bucket"]
        if bucket not in state.buckets:
            return _error(400, "404", "Bucket not found", "Bucket not found")
        return JSONResponse({"id": bucket, "name": bucket, "public": False})

    async def create_bucket(request: Request) -> Response:
        if not authorised(request):
            return _error(400, "403", "Unauthorized", "invalid signature")
        body = await request.json()
        with state.lock:
            if body["id"] in state.buckets:
                return _error(400, "409", "Duplicate", "The resource already exists")
            state.buckets.add(body["id"])
        return JSONResponse({"name": body["id"]})

    async def head_object(request: Request) -> Response:
        if not authorised(request):
            return Response(status_code=400)
        stored = state.objects.get((request.path_params["bucket"], request.path_params["path"]))
        if stored is None:
            return Response(status_code=400)  # Storage answers a missing object with 400 and no body
        return Response(headers={"content-length": str(len(stored.data)), "content-type": stored.content_type})

    async def upload(request: Request) -> Response:
        if not authorised(request):
            return _error(400, "403", "Unauthorized", "invalid signature")
        bucket, path = request.path_params["bucket"], request.path_params["path"]
        data = await request.body()
        with state.lock:
            if state.fail_uploads:
                return _error(state.fail_uploads.pop(0), "503", "Unavailable", "try again")
            if bucket not in state.buckets:
                return _error(400, "404", "Bucket not found", "Bucket not found")
            exists = (bucket, path) in state.objects
            if request.method == "POST" and exists and request.headers.get("x-upsert") != "true":
                return _error(400, "409", "Duplicate", "The resource already exists")
            if request.method == "PUT" and not exists:
                return _error(400, "404", "not_found", "Object not found")
            content_type = request.headers.get("content-type", "application/octet-stream")
            state.objects[(bucket, path)] = StoredObject(data, content_type)
        return JSONResponse({"Key": f"{bucket}/{path}", "Id": f"{bucket}/{path}"})

    return Starlette(
        routes=[
            Route("/storage/v1/bucket/{bucket}", get_bucket, methods=["GET"]),
            Route("/storage/v1/bucket", create_bucket, methods=["POST"]),
            Route("/storage/v1/object/authenticated/{bucket}/{path:path}", head_object, methods=["HEAD"]),
            Route("/storage/v1/object/{bucket}/{path:path}", upload, methods=["POST", "PUT"]),
        ]
    )


class FakeSupabaseStorage:
    """The fake on a background thread; `.url` is what `--supabase-url` takes."""

    def __init__(self, key: str = "service-role-test-key") -> None:
        self.state = FakeStorageState(key=key)
        self._server = ServerThread(build_app(self.state))

    @property
    def url(self) -> str:
        """The project URL (the API adds /storage/v1)."""
        return f"http://127.0.0.1:{self._server.port}"

    def uploads(self) -> list[tuple[str, str, dict[str, str]]]:
        """The upload requests received so far."""
        return [r for r in self.state.requests if r[0] in ("POST", "PUT") and "/object/" in r[1]]

    def __enter__(self) -> Self:
        self._server.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._server.stop()

"""A real S3 protocol server for the tests: moto's, in a thread of the test process, on 127.0.0.1.

It signs nothing itself and checks signatures only when asked to (`refusing_keys`), keeps its
objects in memory, and is read back here through the same client library the service uses.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
from aiobotocore.session import get_session
from moto import settings as moto_settings
from moto.server import ThreadedMotoServer

ACCESS_KEY_ID = "AKIAFABLETALESTEST01"
SECRET_ACCESS_KEY = "fable-tales-test-secret"


@dataclass(frozen=True)
class StoredObject:
    """One object as the server holds it."""

    data: bytes
    content_type: str
    etag: str


class MotoS3:
    """moto's S3 server on a free port of 127.0.0.1, for as long as the `with` block runs."""

    def __init__(self) -> None:
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self.url = ""

    def __enter__(self) -> MotoS3:
        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # a line per request otherwise
        self._server.start()
        host, port = self._server.get_host_and_port()
        self.url = f"http://{host}:{port}"
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.stop()

    def reset(self) -> None:
        """Forget every bucket and object."""
        httpx.post(f"{self.url}/moto-api/reset").raise_for_status()

    def env(self, **overrides: str) -> dict[str, str]:
        """The settings that point an export at this server."""
        return {
            "S3_ENDPOINT_URL": self.url,
            "S3_ACCESS_KEY_ID": ACCESS_KEY_ID,
            "S3_SECRET_ACCESS_KEY": SECRET_ACCESS_KEY,
            **overrides,
        }

    @contextmanager
    def refusing_keys(self) -> Iterator[None]:
        """Check every request's keys, as a real store does: moto knows none, so it refuses them all."""
        before = moto_settings.INITIAL_NO_AUTH_ACTION_COUNT
        moto_settings.INITIAL_NO_AUTH_ACTION_COUNT = 0
        try:
            yield
        finally:
            moto_settings.INITIAL_NO_AUTH_ACTION_COUNT = before

    def objects(self, bucket: str) -> dict[str, StoredObject]:
        """Every object in `bucket`, by key."""
        return asyncio.run(self._call(_read_all, bucket))

    def call(self, operation: str, **kwargs: Any) -> dict[str, Any]:
        """One S3 operation (`put_object`, `get_bucket_location`, ...) with the test keys."""

        async def run(client: Any) -> dict[str, Any]:
            return await getattr(client, operation)(**kwargs)

        return asyncio.run(self._call(run))

    async def _call(self, function: Any, *args: Any) -> Any:
        context = get_session().create_client(
            "s3",
            endpoint_url=self.url,
            region_name="us-east-1",
            aws_access_key_id=ACCESS_KEY_ID,
            aws_secret_access_key=SECRET_ACCESS_KEY,
        )
        async with context as client:
            return await function(client, *args)


async def _read_all(client: Any, bucket: str) -> dict[str, StoredObject]:
    found = {}
    async for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for item in page.get("Contents", []):
            response = await client.get_object(Bucket=bucket, Key=item["Key"])
            async with response["Body"] as body:
                data = await body.read()
            found[item["Key"]] = StoredObject(data, response["ContentType"], item["ETag"].strip('"'))
    return found

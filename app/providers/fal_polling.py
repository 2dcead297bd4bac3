"""Waiting for fal.ai queue requests: fewer status polls, and never a flood of them.

`fal_client` polls a request's status every 0.1 s from the moment it is submitted, through an
httpx pool that keeps 20 idle connections. With ten comics at once (sixty panels) that is six
hundred requests a second, most of them too early to find anything, many over new TLS
connections, and httpcore's pool bookkeeping grows with every request and connection it holds:
the polling alone kept the server's event loop busy enough to slow every API answer. Here:

- `PollSchedule` learns how long images take: no request is polled before 98 % of the fastest
  recent image time has passed (those times include the poll that found them done, so the
  fastest is at or just above what a request takes), then every 25 ms (1/80 of that time for
  slow models), with fal_client's own loop, which fetches the result as soon as a poll finds it
  done. A 2-second image costs 2-3 requests instead of ~22 and is noticed ~12 ms after it is ready
  on average, not 50 ms: the last panel of a comic is what the comic waits for, and every poll
  is ~2 ms of the event loop's time (TLS in Python). Until the first image has been timed it
  polls like `fal_client`.
- All the requests being polled together poll at most 200 times a second in total.
- At most 8 requests to fal.ai are in flight at once (polls, and the submissions and downloads
  of `FalImageModel`, which takes the same `in_flight` slots), on at most 8 kept connections; the
  others wait on a semaphore, where waiting costs nothing.

The polling client is plugged into `fal_client` the supported way, as the `client` of an
`AsyncRequestHandle`, and keeps fal_client's fall-back to fal's backup domain.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections import deque

import fal_client
import httpx
from fal_client.client import USER_AGENT, AsyncBackupDomainTransport

from config import Settings

_FIRST_INTERVAL = 0.1  # fal_client's own, until an image has been timed
_POLLS_PER_SECOND = 200  # for all requests together
_FINE_INTERVAL = 0.025
_WAKE_FRACTION = 0.98  # of the fastest recent image time: from then on, poll finely
_REMEMBERED = 20  # image times the schedule learns from
_CONNECTIONS = 8  # requests in flight at once (more wait): a poll takes milliseconds
# Idle connections are kept this long (httpx's default: 5 s). A parent looks at the cast for longer
# than that before pressing generate, and the six submissions would each open a new TLS connection
# first: one or two more round trips to fal.ai over the internet (on loopback it made no measurable
# difference).
_KEEP_IDLE = 120.0


class PollSchedule:
    """How long to leave a request alone, learned from how long recent ones took to complete."""

    def __init__(self) -> None:
        self._recent: deque[float] = deque(maxlen=_REMEMBERED)

    def record(self, seconds: float) -> None:
        """A request was found completed `seconds` after it was submitted."""
        self._recent.append(seconds)

    def quiet_until(self) -> float:
        """Seconds after submission before which a request is not polled (0: poll at once)."""
        return min(self._recent) * _WAKE_FRACTION if self._recent else 0.0

    def slowest(self) -> float | None:
        """The longest recent image time, or None before the first image has been timed."""
        return max(self._recent) if self._recent else None

    def fine_interval(self) -> float:
        """The polling interval once a request may be done."""
        return max(_FINE_INTERVAL, min(self._recent) / 80) if self._recent else _FIRST_INTERVAL


class _Limited(httpx.AsyncBaseTransport):
    """A transport that sends at most as many requests at once as `slots` allows (bodies are small JSON)."""

    def __init__(self, inner: httpx.AsyncBaseTransport, slots: asyncio.Semaphore) -> None:
        self._inner = inner
        self._slots = slots

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        async with self._slots:
            response = await self._inner.handle_async_request(request)
            await response.aread()  # the connection is free again once the body is in
        return response

    async def aclose(self) -> None:
        await self._inner.aclose()


class FalPoller:
    """Waits for fal.ai queue requests to complete and fetches their results."""

    def __init__(self, settings: Settings) -> None:
        # Requests to fal.ai in flight at once, polls, submissions and downloads alike (FalImageModel
        # takes it too): the others wait here, where waiting costs nothing, instead of in httpcore's
        # pool, whose bookkeeping costs grow with every request and connection it holds.
        self.in_flight = asyncio.Semaphore(_CONNECTIONS)
        limits = httpx.Limits(
            max_connections=_CONNECTIONS, max_keepalive_connections=_CONNECTIONS, keepalive_expiry=_KEEP_IDLE
        )
        transport = _Limited(httpx.AsyncHTTPTransport(limits=limits), self.in_flight)
        self._client = httpx.AsyncClient(
            transport=AsyncBackupDomainTransport(transport=transport),
            headers={"Authorization": f"Key {settings.fal_api_key}", "User-Agent": USER_AGENT},
            timeout=settings.image_timeout_seconds,
        )
        self.schedule = PollSchedule()
        self._waiting = 0  # requests being polled right now

    @property
    def http(self) -> httpx.AsyncClient:
        """The client behind the polls, for the submissions too: it holds the key and the in-flight slots."""
        return self._client

    def adopt(self, handle: fal_client.AsyncRequestHandle) -> fal_client.AsyncRequestHandle:
        """The same request, polled (and cancelled) over this poller's connections."""
        return dataclasses.replace(handle, client=self._client)

    async def wait(self, handle: fal_client.AsyncRequestHandle, submitted: float | None = None) -> dict:
        """The request's result once it is completed; `submitted` is its `time.monotonic()` submission time.

        Without `submitted` (a request resumed after a restart) it is polled from the start.
        """
        if submitted is not None:
            # Nothing to learn before the fastest recent request would have been done: no poll until then.
            await asyncio.sleep(max(0.0, self.schedule.quiet_until() - (time.monotonic() - submitted)))
        self._waiting += 1
        try:
            # Stretched so that all the requests waiting together poll at most _POLLS_PER_SECOND times
            # a second: ten comics at once must not flood the event loop. fal_client's own loop from
            # here: it fetches the result as soon as a poll finds the request done.
            interval = max(self.schedule.fine_interval(), self._waiting / _POLLS_PER_SECOND)
            result = await handle.get(interval=interval)
        finally:
            self._waiting -= 1
        if submitted is not None:
            self.schedule.record(time.monotonic() - submitted)
        return result

    async def aclose(self) -> None:
        """Close the polling connections."""
        await self._client.aclose()

"""Waiting for fal.ai queue requests: fewer status polls, on connections that are kept.

`fal_client` polls a request's status every 0.1 s from the moment it is submitted, through an
httpx pool that keeps 20 idle connections. With dozens of panels in flight that is hundreds of
requests a second, most of them too early to find anything, and every poll beyond the 20th opens
a new TLS connection; the polling alone kept the server's event loop busy enough to slow every
API answer. `FalPoller` instead:

- polls over its own client, on at most 8 connections, all kept: no TLS handshake per poll, and
  httpcore's pool, whose bookkeeping grows with every connection it holds, stays small. The
  client is plugged into `fal_client` the supported way, as the `client` of an
  `AsyncRequestHandle`, and keeps fal_client's fall-back to fal's backup domain;
- learns how long images take (`PollSchedule`): until 90 % of the fastest recent image time has
  passed it polls at most every 0.5 s, then every 50 ms (or 1/40 of that time, for slow models)
  with fal_client's own loop, which fetches the result as soon as a poll finds it done. So a
  2-second image costs ~10 requests instead of ~22, and is noticed 25 ms after it is ready on
  average instead of 50 ms. Until the first image has been timed it polls like `fal_client`.
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
_COARSE_INTERVAL = 0.5
_FINE_INTERVAL = 0.05
_WAKE_FRACTION = 0.9  # of the fastest recent image time: from then on, poll finely
_REMEMBERED = 20  # image times the schedule learns from
_CONNECTIONS = 8  # polls in flight at once (more wait): a poll takes milliseconds


class PollSchedule:
    """How long to leave a request alone, learned from how long recent ones took to complete."""

    def __init__(self) -> None:
        self._recent: deque[float] = deque(maxlen=_REMEMBERED)

    def record(self, seconds: float) -> None:
        """A request was found completed `seconds` after it was submitted."""
        self._recent.append(seconds)

    def quiet_until(self) -> float:
        """Seconds after submission before which a request is polled only coarsely (0: poll finely at once)."""
        return min(self._recent) * _WAKE_FRACTION if self._recent else 0.0

    def fine_interval(self) -> float:
        """The polling interval once a request may be done."""
        return max(_FINE_INTERVAL, min(self._recent) / 40) if self._recent else _FIRST_INTERVAL


class FalPoller:
    """Waits for fal.ai queue requests to complete and fetches their results."""

    def __init__(self, settings: Settings) -> None:
        limits = httpx.Limits(max_connections=_CONNECTIONS, max_keepalive_connections=_CONNECTIONS)
        self._client = httpx.AsyncClient(
            transport=AsyncBackupDomainTransport(transport=httpx.AsyncHTTPTransport(limits=limits)),
            headers={"Authorization": f"Key {settings.fal_api_key}", "User-Agent": USER_AGENT},
            timeout=settings.image_timeout_seconds,
        )
        self.schedule = PollSchedule()

    def adopt(self, handle: fal_client.AsyncRequestHandle) -> fal_client.AsyncRequestHandle:
        """The same request, polled (and cancelled) over this poller's connections."""
        return dataclasses.replace(handle, client=self._client)

    async def wait(self, handle: fal_client.AsyncRequestHandle, submitted: float | None = None) -> dict:
        """The request's result once it is completed; `submitted` is its `time.monotonic()` submission time.

        Without `submitted` (a request resumed after a restart) it is polled finely from the start.
        """
        if submitted is not None:
            quiet = self.schedule.quiet_until()
            # Nothing is done the moment it is submitted: the first poll waits, then polls are coarse
            # until the fastest recent request would have been done.
            await asyncio.sleep(min(_COARSE_INTERVAL, max(quiet, self.schedule.fine_interval())))
            while (left := quiet - (time.monotonic() - submitted)) > 0:
                if isinstance(await handle.status(), fal_client.Completed):
                    break
                await asyncio.sleep(min(_COARSE_INTERVAL, left))
        # fal_client's own loop from here: it fetches the result as soon as a poll finds the request done.
        result = await handle.get(interval=self.schedule.fine_interval())
        if submitted is not None:
            self.schedule.record(time.monotonic() - submitted)
        return result

    async def aclose(self) -> None:
        """Close the polling connections."""
        await self._client.aclose()

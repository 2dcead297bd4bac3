"""Run an ASGI app under uvicorn in a background thread, on 127.0.0.1 only."""

from __future__ import annotations

import socket
import threading
import time
from typing import Any, Self

import uvicorn

_HOST = "127.0.0.1"


class ServerThread:
    """A uvicorn server on a daemon thread; use as a context manager.

    The listening socket is bound here (not by uvicorn) so ``.port`` is known immediately,
    even for ``port=0``, and a busy port fails loudly in the caller's thread.
    """

    def __init__(
        self,
        app: Any,
        *,
        port: int = 0,
        ssl_certfile: str | None = None,
        ssl_keyfile: str | None = None,
        startup_timeout: float = 10.0,
    ) -> None:
        self._app = app
        self._requested_port = port
        self._ssl_certfile = ssl_certfile
        self._ssl_keyfile = ssl_keyfile
        self._startup_timeout = startup_timeout
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._sock: socket.socket | None = None
        self.port: int = port

    def start(self) -> Self:
        """Bind, start serving and wait until uvicorn reports it is up."""
        if self._thread is not None:
            raise RuntimeError("server already started")
        # IPPROTO_TCP, not the default 0: asyncio sets TCP_NODELAY only on sockets that say they are
        # TCP, and without it Nagle holds the body uvicorn writes after the headers until the client's
        # delayed ACK (40 ms on Linux): every answer of a fake took ~45 ms once requests overlapped.
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        # SO_REUSEADDR lets a test restart a fake on a port that is still in TIME_WAIT.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((_HOST, self._requested_port))
        except OSError:
            sock.close()
            raise
        self._sock = sock
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(
            self._app,
            host=_HOST,
            port=self.port,
            log_level="warning",
            access_log=False,
            lifespan="off",
            ssl_certfile=self._ssl_certfile,
            ssl_keyfile=self._ssl_keyfile,
            # Don't let an in-flight slow request (latency knob) stall test teardown.
            timeout_graceful_shutdown=1,
            # Like a real API's front end, which keeps an idle connection for minutes (uvicorn's own
            # default is 5 s): clients that keep theirs (the service's fal.ai client) can reuse them.
            timeout_keep_alive=120,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run,
            kwargs={"sockets": [sock]},
            name=f"fake-server-{self.port}",
            daemon=True,
        )
        self._thread.start()
        deadline = time.monotonic() + self._startup_timeout
        while not self._server.started:
            if not self._thread.is_alive():
                self._close_socket()
                raise RuntimeError(f"fake server on port {self.port} died during startup")
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"fake server on port {self.port} did not start in time")
            time.sleep(0.005)
        return self

    def stop(self) -> None:
        """Ask uvicorn to exit and wait for the thread."""
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._close_socket()
        self._server = None
        self._thread = None

    def _close_socket(self) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

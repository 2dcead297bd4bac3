"""`python -m bench.stalls serve ...`: the service, with a watchdog that records what stalls its event loop.

    .venv/bin/python -m bench.flow --stalls stalls.json   # the whole-flow row, then the stalls report

Every event-loop callback is timed; while one runs longer than `STALL_MS` (default 10 ms), a
watchdog thread samples the loop thread's Python stack every millisecond or so (it gets the GIL
from a callback holding it at the interpreter's switch interval at worst). At exit each stall's
duration, callback and sampled stacks go to the JSON file named by `STALL_REPORT` (rewritten
every second while stalls are added). A profiler
made for this question: py-spy and asyncio's debug mode say where time goes or which callback
was slow, this says which code a slow callback was running.
"""

from __future__ import annotations

import asyncio.events
import json
import os
import runpy
import sys
import threading
import time
import traceback
from collections import Counter
from pathlib import Path

_LIMIT = float(os.environ.get("STALL_MS", "10")) / 1000
_stalls: list[dict] = []
_current: list[object] = [None, 0.0, []]  # handle, start, sampled stacks of the callback running now


_ROOT = Path(__file__).resolve().parents[1]


def _place(filename: str) -> str:
    path = Path(filename)
    return str(path.relative_to(_ROOT)) if path.is_relative_to(_ROOT / "app") else path.name


def _stack(frame: object) -> str:
    lines = traceback.extract_stack(frame)  # type: ignore[arg-type]
    return ";".join(f"{entry.name} ({_place(entry.filename)}:{entry.lineno})" for entry in lines[-40:])


def _watch(loop_thread: int) -> None:
    report, written, last = Path(os.environ["STALL_REPORT"]), 0, time.monotonic()
    while True:
        time.sleep(0.001)
        if len(_stalls) != written and time.monotonic() - last > 1:
            # Written as it goes: uvicorn re-raises the SIGTERM it stopped on, so no exit hook would run.
            written, last = len(_stalls), time.monotonic()
            report.write_text(json.dumps(_stalls[:written]))
        handle, started, stacks = _current
        if handle is not None and time.perf_counter() - started > _LIMIT:
            frame = sys._current_frames().get(loop_thread)
            if frame is not None and _current[0] is handle:
                stacks.append(_stack(frame))


def _install() -> None:
    original = asyncio.events.Handle._run

    def timed(self: asyncio.events.Handle) -> None:
        stacks: list[str] = []
        _current[:] = [self, time.perf_counter(), stacks]
        try:
            original(self)
        finally:
            took = time.perf_counter() - _current[1]
            _current[0] = None
            if took > _LIMIT:
                stall = {"at": time.time(), "ms": round(took * 1000, 2), "handle": repr(self)[:300]}
                _stalls.append({**stall, "stacks": stacks})

    asyncio.events.Handle._run = timed  # type: ignore[method-assign]
    threading.Thread(target=_watch, args=(threading.get_ident(),), name="stall-watch", daemon=True).start()


def _where(stack: str) -> str:
    """The deepest frame of the service's own code in a sampled stack, and the frame it was in."""
    frames = stack.split(";")
    ours = [i for i, frame in enumerate(frames) if " (app/" in frame]
    if not ours:
        return f"(no frame of ours) {frames[-1]}"
    return frames[ours[-1]] + (f" > {frames[-1]}" if ours[-1] + 1 < len(frames) else "")


def stall_summary(stalls: list[dict], top: int = 15) -> str:
    """The stalls' time shared out over where their samples were taken: whose code held the loop."""
    if not stalls:
        return "no callback over the limit"
    shares: Counter[str] = Counter()
    unsampled = 0.0  # the watchdog got no turn: the process was waiting for a core
    for stall in stalls:
        for stack in stall["stacks"]:
            shares[_where(stack)] += stall["ms"] / len(stall["stacks"])
        unsampled += 0 if stall["stacks"] else stall["ms"]
    total = sum(stall["ms"] for stall in stalls)
    longest = max(stall["ms"] for stall in stalls)
    lines = [f"{len(stalls)} callbacks over the limit, {total:.0f} ms in all, the longest {longest:.0f} ms"]
    lines += [f"{ms:8.0f} ms {100 * ms / total:5.1f}%  {where}" for where, ms in shares.most_common(top)]
    lines.append(f"{unsampled:8.0f} ms {100 * unsampled / total:5.1f}%  (no sample: no core for the process)")
    return "\n".join(lines)


if __name__ == "__main__":
    # The watchdog times asyncio's own callbacks; uvloop's run in C where Python cannot time them, so
    # under the watchdog uvicorn falls back to asyncio's loop (slower per request than the service's).
    sys.modules["uvloop"] = None  # type: ignore[assignment]
    _install()
    sys.argv = ["main.py", *sys.argv[1:]]
    runpy.run_path(str(Path(__file__).resolve().parents[1] / "main.py"), run_name="__main__")

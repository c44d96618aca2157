"""Switch a running service to a new build without dropping requests.

`pedkg build` switches `build/current` to a new release with one atomic rename. `ReloadingEngine`
notices the change (checked at most once a second, on the next request), opens an engine on the
new release, swaps it in for new requests and closes the old engine once the requests it is still
answering have finished. The previous release stays on disk (the build keeps two), so those
requests read consistent data to the end.
"""
from __future__ import annotations

import threading
import time
from dataclasses import replace
from pathlib import Path
from typing import Any, Callable

CHECK_EVERY_S = 1.0


class _Counted:
    """An engine with a count of the requests it is answering."""

    def __init__(self, engine: Any, release: Path | None) -> None:
        self.engine = engine
        self.release = release
        self.in_flight = 0
        self.retired = False


class ReloadingEngine:
    """Delegates to the engine of the current release; reopens when `current` moves."""

    def __init__(self, settings: Any, open_engine: Callable[[Any], Any]) -> None:
        self._settings = settings
        self._open = open_engine
        self._build = Path(settings.build_dir)
        self._lock = threading.Lock()
        self._switching = threading.Lock()
        self._checked = time.monotonic()
        self._active = _Counted(open_engine(settings), self._release())

    def _release(self) -> Path | None:
        current = self._build / "current"
        return current.resolve() if current.exists() else None

    @property
    def description(self) -> dict:
        return self._active.engine.description

    @property
    def hard_timeout(self) -> bool:
        return self._active.engine.hard_timeout

    def _maybe_switch(self) -> None:
        now = time.monotonic()
        if now - self._checked < CHECK_EVERY_S or not self._switching.acquire(blocking=False):
            return  # checked recently, or another request is switching: answer from the active one
        try:
            self._checked = now
            self._switch()
        finally:
            self._switching.release()

    def _switch(self) -> None:
        release = self._release()
        if release is None or release == self._active.release:
            return
        # open on the resolved release, so a later switch cannot pull it from under this engine
        fresh = _Counted(self._open(replace(self._settings, build_dir=str(release))), release)
        with self._lock:
            old, self._active = self._active, fresh
            old.retired = True
            idle = old.in_flight == 0
        if idle:
            old.engine.close()

    def run(self, job: Any, timeout_s: float) -> Any:
        self._maybe_switch()
        with self._lock:
            counted = self._active
            counted.in_flight += 1
        try:
            return counted.engine.run(job, timeout_s)
        finally:
            with self._lock:
                counted.in_flight -= 1
                close = counted.retired and counted.in_flight == 0
            if close:
                counted.engine.close()

    def close(self) -> None:
        self._active.engine.close()

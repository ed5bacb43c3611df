"""A time budget for rendering one document: past it, the document is refused, not waited for.

Mechanism: a SIGPROF timer (signal.setitimer with ITIMER_PROF) whose handler raises
RenderTooSlow in the rendering code. It counts the process's CPU time, not the wall
clock: the budget measures the work a document makes, so a busy server (many uploads on
two cores) does not refuse a document that would render in time on its own. Signals reach
only the main thread, which is where every renderer runs: gunicorn's sync workers serve
each request on their main thread, and the job worker, the CLI and the render pool's
processes are single-threaded. Elsewhere (a threaded development server, a test's thread)
the budget is not applied and rendering runs to its end, as before.

Why not a thread or a subprocess: a thread cannot be stopped, and a subprocess per preview
costs a fork and a KaTeX context. The exception unwinds the renderer like any other error:
the worker process lives on, nothing is written (rendering happens before the write), and
the thread's Markdown converter is reset before its next document. The article writer
rolls back on any exception, this one too. A long call into C
(KaTeX in V8, nh3) finishes first, then the exception is raised; KaTeX has its own limit.

Time spent waiting for images (reading the upload, downloading remote ones, with their own
limits) is not counted: `paused()` stops the clock around it.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from .messages import N_

T = TypeVar("T")


class RenderTooSlow(BaseException):
    """A document took longer than its budget to render; str() says so in plain words.

    Like KeyboardInterrupt it is no Exception: it may be raised anywhere in the renderer,
    whose catch-alls (a parser bug shows as a render error, a KaTeX failure as a formula
    error) must let it through, to those who name it.
    """

    def __init__(self, seconds: float) -> None:
        super().__init__(
            N_("took longer than %(seconds)s s to render") % {"seconds": f"{seconds:g}"}
        )
        self.seconds = seconds

    def __reduce__(self):
        # Crosses back from a render pool process intact.
        return (RenderTooSlow, (self.seconds,))


class _Clock:
    """The running budget of this process's main thread (there is one at a time)."""

    seconds: float = 0.0
    left: float = 0.0  # seconds left when paused
    depth: int = 0  # nested pauses


_clock = _Clock()


def _expired(signum, frame) -> None:
    raise RenderTooSlow(_clock.seconds)


def _applies(seconds: float | None) -> bool:
    return (
        bool(seconds)
        and seconds > 0
        and threading.current_thread() is threading.main_thread()
        and signal.getitimer(signal.ITIMER_PROF)[0] == 0  # no other timer is running
    )


@contextmanager
def render_budget(seconds: float | None) -> Iterator[None]:
    """Raise RenderTooSlow in the block once it has run `seconds` (None or 0: no limit)."""
    if not _applies(seconds):
        yield
        return
    previous = signal.signal(signal.SIGPROF, _expired)
    _clock.seconds, _clock.depth = seconds, 0
    signal.setitimer(signal.ITIMER_PROF, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGPROF, previous)
        _clock.seconds = 0.0


@contextmanager
def paused() -> Iterator[None]:
    """Stop the budget's clock for the block (waiting for an image is not rendering)."""
    if not _clock.seconds or threading.current_thread() is not threading.main_thread():
        yield
        return
    if _clock.depth == 0:
        _clock.left = signal.setitimer(signal.ITIMER_PROF, 0)[0]
    _clock.depth += 1
    try:
        yield
    finally:
        _clock.depth -= 1
        if _clock.depth == 0 and _clock.seconds:
            # A timer that had already fired (left == 0) fires again at once.
            signal.setitimer(signal.ITIMER_PROF, max(_clock.left, 1e-6))


def unclocked(function: Callable[..., T]) -> Callable[..., T]:
    """Return function with the budget's clock stopped while it runs."""

    def call(*args, **kwargs) -> T:
        with paused():
            return function(*args, **kwargs)

    return call

"""A pool of processes that render documents, each with its own KaTeX context.

V8 does not survive a fork, and a worker process may already hold a KaTeX context, so the
pool starts its processes fresh (spawn). Each keeps the file sets it opened, so images of
one upload are found without walking the folder or reading the zip directory again.
"""

from __future__ import annotations

import multiprocessing
import signal
from collections import OrderedDict
from concurrent.futures import Future, ProcessPoolExecutor

from ...content import katex
from ..bundle import FileSet, open_files
from .prepare import Prepared, Task, prepare

# File sets a pool process keeps open (a few jobs' uploads at most at a time).
_KEPT_SETS = 4
_opened: OrderedDict[tuple, FileSet] = OrderedDict()


class RenderPool:
    """Render tasks in other processes; a pool that broke is started again on demand."""

    def __init__(self, processes: int) -> None:
        self.processes = processes
        self._executor: ProcessPoolExecutor | None = None

    def submit(self, task: Task) -> Future:
        """Start rendering a task; the future's result is its Prepared document."""
        if self._executor is None:
            self._executor = ProcessPoolExecutor(
                self.processes,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_start_process,
            )
        return self._executor.submit(_render, task)

    def restart(self) -> None:
        """Drop a broken pool (a process died); the next submit starts a new one."""
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None

    def close(self) -> None:
        """Stop the processes once their work is done."""
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None


def _start_process() -> None:
    # Ctrl-C reaches the whole process group; the parent decides what stops.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    katex.warm_up()


def _opened_set(handle: tuple) -> FileSet:
    files = _opened.get(handle)
    if files is None:
        files = open_files(handle)
        _opened[handle] = files
        while len(_opened) > _KEPT_SETS:
            _opened.popitem(last=False)[1].close()
    _opened.move_to_end(handle)
    return files


def _render(task: Task) -> Prepared:
    return prepare(task, _opened_set)

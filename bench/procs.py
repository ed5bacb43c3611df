"""Processes the benchmarks start: the memory of a process tree, and stopping all of it.

A `flask import` renders in a pool of spawned processes, and gunicorn (through
gunicorn.conf.py) starts the job worker, which starts its own pool: the memory that
matters is the whole tree's, and stopping the top process must not leave the rest running.
Linux only: everything is read from /proc.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

SAMPLE_SECONDS = 0.2
# A sampler stops by itself after this long, whatever its caller forgets.
SAMPLE_LIMIT_SECONDS = 6 * 3600


def _stat_fields(pid: int) -> list[str] | None:
    """Return /proc/<pid>/stat's fields after the command name, or None when it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The name is in parentheses and may itself hold spaces or parentheses.
    return text.rpartition(")")[2].split()


def _pids() -> list[int]:
    """Return the ids of every process now running."""
    return [int(name) for name in os.listdir("/proc") if name.isdigit()]


def descendants(root: int) -> list[int]:
    """Return root and every process below it (children, their children …)."""
    children: dict[int, list[int]] = defaultdict(list)
    for pid in _pids():
        fields = _stat_fields(pid)
        if fields is not None and len(fields) > 1:
            children[int(fields[1])].append(pid)
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, []))
    return found


def rss_kib(pid: int) -> int:
    """Return a process's resident memory (VmRSS) in KiB; 0 when gone or a zombie."""
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def pss_kib(pid: int) -> int:
    """Return a process's proportional set size in KiB (shared pages split among sharers)."""
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    return 0


def command_line(pid: int) -> str:
    """Return a process's command line as one string ("" when gone)."""
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return ""
    return raw.replace(b"\0", b" ").decode(errors="replace").strip()


def describe(pid: int, root: int) -> str:
    """Name a process of a benchmark's tree by what it does."""
    command = command_line(pid)
    if "spawn_main" in command:
        return "rendering pool process"
    if "resource_tracker" in command:
        return "multiprocessing resource tracker"
    if " worker" in command and "flask" in command:
        return "job worker (flask worker)"
    if "gunicorn" in command:
        return "gunicorn master" if pid == root else "gunicorn web worker"
    if pid == root:
        words = command.split()
        shown = " ".join(Path(word).name if i < 2 else word for i, word in enumerate(words[:5]))
        return f"main process ({shown})"
    return command[:60] or "gone"


@dataclass
class TreePeak:
    """The most memory a process tree held at one sample, and its largest process."""

    total_kib: int = 0
    # The same moment's sum of PSS: pages shared by the processes (the interpreter, V8,
    # libraries) counted once in all, where the VmRSS sum counts them in each process.
    proportional_kib: int = 0
    largest_kib: int = 0
    largest: str = ""
    processes: int = 0  # most processes alive at one sample
    samples: int = 0

    def line(self) -> str:
        """Return the figures in one line."""
        if not self.samples:
            return "no memory samples"
        return (
            f"peak memory of the process tree: {mib(self.proportional_kib)} (sum of PSS), "
            f"{mib(self.total_kib)} (sum of VmRSS, shared pages counted in each process), "
            f"up to {self.processes} process{'es' if self.processes != 1 else ''} at once; "
            "largest single process "
            f"{mib(self.largest_kib)} ({self.largest})"
        )


def mib(kib: int) -> str:
    """Format KiB as MiB."""
    return f"{kib / 1024:,.0f} MiB"


class TreeSampler:
    """Samples the memory of a process and all its descendants in a thread, keeping peaks."""

    def __init__(self, root: int, interval: float = SAMPLE_SECONDS) -> None:
        self.root = root
        self.interval = interval
        self.peak = TreePeak()
        self.names: dict[int, str] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="tree-sampler", daemon=True)

    def __enter__(self) -> TreeSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        deadline = time.monotonic() + SAMPLE_LIMIT_SECONDS
        while time.monotonic() < deadline:
            self.sample()
            if self._stop.wait(self.interval):
                return

    def sample(self) -> None:
        """Read the tree's memory once and keep the peaks."""
        sizes = {pid: rss_kib(pid) for pid in descendants(self.root)}
        sizes = {pid: size for pid, size in sizes.items() if size}
        if not sizes:
            return
        peak = self.peak
        peak.samples += 1
        peak.processes = max(peak.processes, len(sizes))
        peak.total_kib = max(peak.total_kib, sum(sizes.values()))
        peak.proportional_kib = max(peak.proportional_kib, sum(pss_kib(pid) for pid in sizes))
        pid, size = max(sizes.items(), key=lambda item: item[1])
        if size > peak.largest_kib:
            if pid not in self.names:  # read the command line once per process
                self.names[pid] = describe(pid, self.root)
            peak.largest_kib, peak.largest = size, f"{self.names[pid]}, pid {pid}"


def group_members(group: int) -> list[int]:
    """Return the live (not zombie) processes of a process group."""
    members = []
    for pid in _pids():
        fields = _stat_fields(pid)
        if fields and len(fields) > 2 and fields[0] != "Z" and int(fields[2]) == group:
            members.append(pid)
    return members


def stop_group(process: subprocess.Popen, grace: float = 30) -> list[str]:
    """Stop a process started with start_new_session=True, then whatever of its group is left.

    SIGTERM first, so gunicorn stops its job worker and a worker its pool; then the
    group (ours: the process leads a session of its own) gets SIGTERM and SIGKILL.
    Returns what had to be stopped that way.
    """
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    group = process.pid
    left = group_members(group)
    names = [f"{describe(pid, group)} (pid {pid})" for pid in left]
    for sig, wait in ((signal.SIGTERM, 5.0), (signal.SIGKILL, 5.0)):
        if not left:
            break
        with contextlib.suppress(ProcessLookupError):
            os.killpg(group, sig)
        deadline = time.monotonic() + wait
        while left and time.monotonic() < deadline:
            time.sleep(0.1)
            left = group_members(group)
    return names

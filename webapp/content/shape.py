"""Measure a nested structure without expanding its shared parts: depth, size, cycles (pure)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from .messages import N_

# Front matter is a handful of keys, lists of tags, at most a few levels of tables; nothing
# real comes near this. Deeper input is refused before anything recurses over it.
MAX_DEPTH = 50


class ShapeError(ValueError):
    """A structure nested too deeply, or one that contains itself; `at` is where it showed."""

    def __init__(self, message: str, at: object):
        super().__init__(message)
        self.at = at


class TooDeep(ShapeError):
    """Nesting deeper than the limit."""


class Cycle(ShapeError):
    """A structure that contains itself (a YAML anchor used inside its own value)."""


@dataclass(frozen=True)
class Shape:
    """How big a structure is when written out in full, and how much of it is written once."""

    depth: int  # levels of containers: 0 for a plain value, 1 for a flat list
    expanded: int  # the weight of every node, shared ones counted at each use
    unique: int  # the weight of every node counted once
    visits: int  # nodes looked at: the work the measure itself did


def measure(
    root: object,
    children: Callable[[object], Iterable[object]],
    weight: Callable[[object], int],
    max_depth: int = MAX_DEPTH,
) -> Shape:
    """Return the shape of the structure under `root`; raise TooDeep or Cycle.

    Each node is visited once, however many places share it, so a structure that would
    expand to gigabytes is measured in the time its source takes to read. No recursion:
    a deep input cannot exhaust the stack.
    """
    memo: dict[int, tuple[int, int]] = {}  # id -> (expanded weight, depth)
    on_path: set[int] = set()
    unique = weight(root)
    visits = 1
    # Each frame: the node, what is left of its children, expanded weight so far, deepest child.
    kids = children(root)
    if not kids:
        return Shape(0, unique, unique, visits)
    stack: list[list] = [[root, iter(kids), unique, 0]]
    on_path.add(id(root))
    while stack:
        frame = stack[-1]
        child = next(frame[1], _END)
        if child is _END:
            stack.pop()
            on_path.discard(id(frame[0]))
            done = (frame[2], frame[3] + 1)
            if done[1] > max_depth:  # deep through shared parts, not along this path
                raise TooDeep(
                    N_("nested more than %(limit)s levels deep") % {"limit": max_depth}, frame[0]
                )
            memo[id(frame[0])] = done
            if stack:
                _add(stack[-1], done)
            continue
        key = id(child)
        if key in on_path:
            raise Cycle(N_("contains itself"), child)
        if key in memo:
            _add(frame, memo[key])
            continue
        visits += 1
        own = weight(child)
        unique += own
        kids = children(child)
        if not kids:
            memo[key] = (own, 0)
            _add(frame, (own, 0))
            continue
        if len(stack) >= max_depth:
            raise TooDeep(
                N_("nested more than %(limit)s levels deep") % {"limit": max_depth}, child
            )
        on_path.add(key)
        stack.append([child, iter(kids), own, 0])
    expanded, depth = memo[id(root)]
    return Shape(depth, expanded, unique, visits)


_END = object()


def _add(frame: list, done: tuple[int, int]) -> None:
    frame[2] += done[0]
    frame[3] = max(frame[3], done[1])

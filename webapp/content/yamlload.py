"""Load a YAML block safely and within bounds: no alias bomb, no deep nesting, no cycles (pure)."""

from __future__ import annotations

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from .messages import N_
from .shape import MAX_DEPTH, Cycle, TooDeep, measure

# libyaml's parser when PyYAML was built with it (its wheels are): about ten times faster,
# and the same safe constructors, so the same values come out.
_BASE = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
# What aliases may add to a block when it is written out in full, in characters (a node
# counts one more). Real front matter reuses a block or two (`<<: *defaults`); an alias
# bomb of 300 bytes multiplies one by millions and would fill a worker's memory.
MAX_ALIAS_GROWTH = 100_000
TOO_MANY_ALIASES = N_(
    "too many YAML aliases (an alias bomb?): written out in full they would add more "
    "than %(limit)s characters"
) % {"limit": f"{MAX_ALIAS_GROWTH:,}"}
ALIAS_CYCLE = N_("a YAML alias is used inside its own anchor's value")
TOO_DEEP = N_("nested more than %(limit)s levels deep") % {"limit": MAX_DEPTH}


class YamlLimitError(ValueError):
    """A YAML block that is valid but refused: what it would become is too big or too deep."""

    def __init__(self, line: int, message: str):
        super().__init__(message)
        self.line = line  # 0-based, within the block
        self.message = message


class _Reporting:
    """A value no Python type can hold, reported at its node and key (mixed into a loader)."""

    root: Node | None = None

    def construct_object(self, node: Node, deep: bool = False) -> object:
        try:
            return super().construct_object(node, deep=deep)
        except (ValueError, OverflowError) as error:
            # A date of year 0, February 30th, an integer of 5,000 digits: the constructor
            # raises plain Python errors, which would otherwise end the request as a 500.
            key = _key_of(self.root, node)
            problem = f"{key}: {error}" if key else str(error)
            raise yaml.constructor.ConstructorError(None, None, problem, node.start_mark) from error


class _Loader(_Reporting, _BASE):
    """PyYAML's safe loader (libyaml's when there), reporting bad values."""


class PureLoader(_Reporting, yaml.SafeLoader):
    """The pure-Python safe loader, for a PyYAML built without libyaml (and its tests)."""


def _key_of(root: Node | None, target: Node) -> str | None:
    """Return the key whose value is `target`, when it is a plain scalar (only on an error)."""
    stack = [root] if root is not None else []
    seen: set[int] = set()
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, MappingNode):
            for key, value in node.value:
                if value is target and isinstance(key, ScalarNode):
                    return key.value
        stack.extend(_children(node))
    return None


def _children(node: Node) -> list[Node]:
    if isinstance(node, SequenceNode):
        return node.value
    if isinstance(node, MappingNode):
        # Keys count too, and a merge key (<<: *base) brings its whole mapping in.
        return [part for pair in node.value for part in pair]
    return []


def _weight(node: Node) -> int:
    return 1 + len(node.value) if isinstance(node, ScalarNode) else 1


def check_node(node: Node) -> int:
    """Raise YamlLimitError unless the composed block is acyclic, shallow and alias-light.

    The node graph shares each anchored node between its aliases, so measuring it costs
    what reading the block did; only construction and storage would expand it. Returns
    the number of nodes looked at.
    """
    try:
        shape = measure(node, _children, _weight)
    except Cycle as error:
        raise YamlLimitError(_line(error.at, node), ALIAS_CYCLE) from None
    except TooDeep as error:
        raise YamlLimitError(_line(error.at, node), TOO_DEEP) from None
    if shape.expanded - shape.unique > MAX_ALIAS_GROWTH:
        raise YamlLimitError(node.start_mark.line, TOO_MANY_ALIASES)
    return shape.visits


def _line(at: object, root: Node) -> int:
    mark = getattr(at, "start_mark", None) or root.start_mark
    return mark.line


def load_yaml(text: str, loader: type = _Loader) -> object:
    """Return the value of a YAML block, built with PyYAML's safe constructors.

    Raises yaml.YAMLError for broken YAML (a plain Python error in a value, such as a
    date that does not exist, comes out as one too) and YamlLimitError for a block that
    would be too big or too deep once built.
    """
    loader = loader(text)
    try:
        try:
            node = loader.get_single_node()
        except RecursionError:
            # Only the pure-Python composer recurses; libyaml stops at 1,000 levels itself.
            raise YamlLimitError(0, TOO_DEEP) from None
        if node is None:
            return None
        check_node(node)
        loader.root = node
        return loader.construct_document(node)
    finally:
        loader.dispose()

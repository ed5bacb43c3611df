"""Hostile front matter: alias bombs, deep nesting, self-reference, and dates no one can store."""

from __future__ import annotations

import json
from zoneinfo import ZoneInfo

import pytest
import yaml

from webapp.content.document import parse_source
from webapp.content.frontmatter import FrontMatterError, split_front_matter
from webapp.content.metadata import MetadataError, parse_date
from webapp.content.shape import MAX_DEPTH
from webapp.content.yamlload import MAX_ALIAS_GROWTH, PureLoader, check_node, load_yaml

UTC = ZoneInfo("UTC")
SHANGHAI = ZoneInfo("Asia/Shanghai")
HONOLULU = ZoneInfo("Pacific/Honolulu")


def laughs(levels: int, width: int = 9, word: str = "lol") -> str:
    """Return a billion-laughs front matter: each level lists `width` aliases of the last."""
    lines = [f"a: &a [{', '.join([word] * width)}]"]
    for level in range(1, levels):
        name, previous = chr(ord("a") + level), chr(ord("a") + level - 1)
        lines.append(f"{name}: &{name} [{','.join(['*' + previous] * width)}]")
    return "---\n" + "\n".join(lines) + "\n---\nBody\n"


# The two found in review: 345 bytes took a worker to 1 GB, 310 stored 43 MB in the database.
BOMB_1GB = laughs(9)
BOMB_43MB = laughs(8, width=8, word="lolol")


def written_out(levels: int, width: int, word: str) -> int:
    """Characters the bomb's last list would take as JSON."""
    return (len(word) + 4) * width**levels


def test_the_bombs_are_as_small_as_the_ones_reported():
    assert len(BOMB_1GB.encode()) <= 345 and written_out(9, 9, "lol") > 10**9
    assert len(BOMB_43MB.encode()) <= 310 and written_out(8, 8, "lolol") > 40 * 10**6


@pytest.mark.parametrize("text", [BOMB_1GB, BOMB_43MB], ids=["1GB", "43MB"])
def test_an_alias_bomb_is_refused_by_name_after_looking_at_each_node_once(text):
    with pytest.raises(FrontMatterError) as caught:
        split_front_matter(text)
    assert "too many YAML aliases (an alias bomb?)" in str(caught.value)
    # The measure walks the composed graph, where every alias shares its anchor's node:
    # the work is the size of the source, not of what it would expand to.
    block = text.split("---\n")[1]
    node = yaml.compose(block, Loader=yaml.SafeLoader)
    with pytest.raises(ValueError):
        check_node(node)
    assert count_nodes(node) < len(block)


def count_nodes(root) -> int:
    seen, stack = set(), [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node.value, list):
            for item in node.value:
                stack.extend(item if isinstance(item, tuple) else [item])
    return len(seen)


def test_reusing_a_block_with_aliases_and_merge_keys_still_works():
    text = (
        "---\ndefaults: &defaults\n  author: Ann\n  tags: [a, b]\n"
        "title: Post\nextra:\n  <<: *defaults\n  lang: en\nagain: *defaults\n---\nBody"
    )
    meta = split_front_matter(text).meta
    assert meta["extra"] == {"author": "Ann", "tags": ["a", "b"], "lang": "en"}
    assert meta["again"] == {"author": "Ann", "tags": ["a", "b"]}


def test_aliases_may_add_up_to_the_limit_but_not_past_it():
    word = "x" * 99  # 100 units a use: its characters and the node
    uses = MAX_ALIAS_GROWTH // 100
    fine = f"w: &w {word}\nlist: [{', '.join(['*w'] * uses)}]"
    assert len(load_yaml(fine)["list"]) == uses
    with pytest.raises(ValueError, match="alias bomb"):
        load_yaml(fine.replace("]", ", *w]"))


def test_merge_key_bombs_are_counted_too():
    lines = ["a: &a {k: v}"]
    for level in range(1, 12):
        name, previous = f"m{level}", "a" if level == 1 else f"m{level - 1}"
        lines.append(f"{name}: &{name} {{<<: [{', '.join(['*' + previous] * 8)}]}}")
    with pytest.raises(FrontMatterError, match="alias bomb"):
        split_front_matter("---\n" + "\n".join(lines) + "\n---\nBody")


@pytest.mark.parametrize("block", ["a: &a [*a]", "a: &a {b: *a}", "a: &a [x, [y, *a]]"])
def test_an_alias_inside_its_own_anchor_is_refused(block):
    with pytest.raises(FrontMatterError, match="used inside its own anchor"):
        split_front_matter(f"---\n{block}\n---\nBody")


def nested_yaml_block(depth: int) -> str:
    return "\n".join(" " * level + f"k{level}:" for level in range(depth)) + " 1"


@pytest.mark.parametrize(
    "text",
    [
        "---\na: " + "[" * 5000 + "]" * 5000 + "\n---\nx",
        "---\na: " + "{b: " * 5000 + "1" + "}" * 5000 + "\n---\nx",
        "---\na: " + "[" * 900 + "]" * 900 + "\n---\nx",
        "---\n" + nested_yaml_block(900) + "\n---\nx",
        "+++\na = " + "[" * 5000 + "]" * 5000 + "\n+++\nx",
        "+++\na = " + "{b = " * 5000 + "1" + "}" * 5000 + "\n+++\nx",
        "+++\n[" + ".".join(f"k{n}" for n in range(5000)) + "]\n+++\nx",
    ],
    ids=[
        "yaml-flow-5000",
        "yaml-map-5000",
        "yaml-flow-900",
        "yaml-block-900",
        "toml-array",
        "toml-inline-table",
        "toml-dotted-table",
    ],
)
def test_deep_nesting_is_refused_with_a_message(text):
    with pytest.raises(FrontMatterError, match="nest"):
        parse_source(text, filename="a.md", timezone=UTC)


def test_nesting_up_to_the_limit_is_read():
    depth = MAX_DEPTH - 1  # the front matter mapping itself is one level
    meta = split_front_matter("---\na: " + "[" * depth + "]" * depth + "\n---\nx").meta
    assert json.dumps(meta).count("[") == depth
    toml = split_front_matter("+++\na = " + "[" * depth + "]" * depth + "\n+++\nx").meta
    assert json.dumps(toml).count("[") == depth


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("---\ndate: 9999-12-31T23:59:59-12:00\n---\nx", "date"),
        ("---\nupdated: 9999-12-31 23:59:59 -12:00\n---\nx", "updated"),
        ("---\nlastmod: '9999-12-31T23:00:00Z'\n---\nx", "lastmod"),
        ("---\ndate: '0001-01-01'\n---\nx", "date"),
        ("+++\ndate = 9999-12-31T23:59:59-12:00\n+++\nx", "date"),
        ("+++\ndate = 0001-01-01T00:00:00+01:00\n+++\nx", "date"),
    ],
)
def test_dates_beyond_what_can_be_stored_are_refused_naming_the_field(text, field):
    with pytest.raises(MetadataError) as caught:
        parse_source(text, filename="a.md", timezone=UTC)
    assert str(caught.value).startswith(f"{field} ")
    assert "out of range" in str(caught.value)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("---\ndate: 0000-01-01\n---\nx", "date: year 0 is out of range"),
        ("---\ndate: 2024-02-30\n---\nx", "date: day is out of range for month"),
        ("---\nupdated: 2024-01-01T25:00:00\n---\nx", "updated: hour must be in 0..23"),
        ("---\ndate: 99999-01-01\n---\nx", "cannot read date: '99999-01-01' as a date"),
        ("+++\ndate = 99999999999999999999999\n+++\nx", "cannot read date: 9999999999"),
        ("---\nweight: " + "9" * 5000 + "\n---\nx", "weight: Exceeds the limit"),
        ("+++\nweight = " + "9" * 5000 + "\n+++\nx", "Exceeds the limit"),
        ("+++\ndate = 0000-01-01\n+++\nx", "line 2: Invalid date"),
    ],
)
def test_values_no_python_type_holds_are_refused_not_a_crash(text, expected):
    with pytest.raises((FrontMatterError, MetadataError)) as caught:
        parse_source(text, filename="a.md", timezone=UTC)
    assert expected in str(caught.value)


def test_the_first_and_last_days_stay_storable_in_every_time_zone():
    earliest = parse_date("0001-01-02 12:00", HONOLULU)
    latest = parse_date("9999-12-30 12:00", SHANGHAI)
    assert (earliest.year, latest.year) == (1, 9999)
    with pytest.raises(MetadataError, match="out of range"):
        parse_date("0001-01-01 12:00", SHANGHAI)


def test_yaml_sets_binary_and_infinities_are_stored_as_json():
    text = "---\ntitle: !!binary aGVsbG8=\nkinds: !!set {b, a}\nratio: .inf\nodd: .nan\n---\nx"
    meta = split_front_matter(text).meta
    assert meta == {"title": "hello", "kinds": ["a", "b"], "ratio": "inf", "odd": "nan"}
    json.loads(json.dumps(meta, allow_nan=False))


@pytest.mark.parametrize(
    ("block", "words"),
    [
        (BOMB_1GB.split("---\n")[1], "alias bomb"),
        # Past Python's recursion limit (its scanner is quadratic in flow depth: not 5,000).
        ("a: " + "[" * 600 + "]" * 600, "nested"),
        ("\n".join(" " * n + f"k{n}:" for n in range(3000)) + " 1", "nested"),
        ("date: 0000-01-01", "date: year 0"),
        ("a: &a [*a]", "its own anchor"),
    ],
)
def test_the_pure_python_loader_is_bounded_the_same_way(block, words):
    # Without libyaml PyYAML composes recursively: deep input must not be a RecursionError.
    with pytest.raises((ValueError, yaml.YAMLError)) as caught:
        load_yaml(block, loader=PureLoader)
    assert words in str(caught.value)

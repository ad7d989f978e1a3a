"""YAML with limits: what ``yaml.safe_load`` does, minus the ways a small file can hurt.

``yaml.safe_load`` never runs code, but a careless or hostile file can still crash or
stall it, and scenario files and ``--set`` values come from users. This reader keeps
the YAML 1.1 that PyYAML understands (so ``2026-06-01T18:00:00`` is a datetime and an
unquoted ``21:30`` a number, as before), reads ``1e9``, ``1e-6`` and ``1.5e3`` as numbers (as YAML
1.2 does; YAML 1.1 wants ``1.0e+9``, and the specs refuse text where a number is meant)
and adds these limits:

* **size**: at most `MAX_BYTES` of text;
* **nesting**: at most `MAX_DEPTH` levels of lists and mappings (1,000 nested
  brackets otherwise end in a ``RecursionError``);
* **aliases**: the document expanded (every ``*alias`` counted as a copy of what it
  names) holds at most `MAX_NODES` nodes — a 430-byte "billion laughs" file expands
  to 10⁹ — and no alias may name a node that contains it (``a: &r [*r]``);
* **integers**: at most `MAX_INT_DIGITS` digits (a 5,000-digit integer is no
  parameter, and Python refuses to read one longer than 4,300);
* **values that do not construct** (``!!int ''``, ``!!bool maybe``, ``!!timestamp
  foo``, ``2026-13-45``): an error naming the field path, not a ``ValueError``;
* **duplicate keys**: a key given twice in one mapping, at any depth (``name:`` twice,
  a second ``command:`` section), is an error, ``line N: duplicate key 'command'
  (first at line M)``: ``yaml.safe_load`` keeps the last one and silently drops the
  first, a whole section perhaps. Keys are compared as constructed (``yes`` and
  ``true`` are one key); keys brought in by a merge (``<<: *defaults``) may be given
  again, which is what a merge is for.

Every problem is a `YamlInputError` whose message is one line, ``line N: ...`` or
``FIELD: ...``; the caller puts the file name in front.
"""

from __future__ import annotations

import re
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

__all__ = ["MAX_BYTES", "MAX_DEPTH", "MAX_INT_DIGITS", "MAX_NODES", "YamlInputError",
           "read_yaml"]

#: Largest text read, bytes of UTF-8 (the default scenario is ~4 kB).
MAX_BYTES = 8 * 1024 * 1024
#: Deepest nesting of lists and mappings (a scenario needs 5).
MAX_DEPTH = 32
#: Most nodes of the document with every alias expanded.
MAX_NODES = 1_000_000
#: Most digits of an integer.
MAX_INT_DIGITS = 30

_INT_TAG = "tag:yaml.org,2002:int"
_MERGE_TAG = "tag:yaml.org,2002:merge"
_EXPECTED = {
    "tag:yaml.org,2002:int": "an integer",
    "tag:yaml.org,2002:float": "a number",
    "tag:yaml.org,2002:bool": "true or false",
    "tag:yaml.org,2002:null": "null",
    "tag:yaml.org,2002:timestamp": "a date and time such as 2026-06-01T18:00:00",
    "tag:yaml.org,2002:binary": "base64 data",
}


class YamlInputError(ValueError):
    """YAML that cannot be read; ``str(error)`` is one line without the file name."""


class _Loader(yaml.SafeLoader):
    """SafeLoader that counts nesting depth, refuses over-long integers and duplicate
    keys."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0
        self._written: dict[int, tuple[MappingNode, list[Node]]] = {}

    def compose_node(self, parent: Node | None, index: object) -> Node:
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                event = self.peek_event()
                raise YamlInputError(f"line {event.start_mark.line + 1}: nested deeper "
                                     f"than {MAX_DEPTH} levels")
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_yaml_int(self, node: ScalarNode) -> int:
        digits = sum(c.isdigit() for c in str(node.value))
        if digits > MAX_INT_DIGITS:
            raise ValueError(f"expected an integer of at most {MAX_INT_DIGITS} digits, "
                             f"got one of {digits}")
        return super().construct_yaml_int(node)

    def compose_mapping_node(self, anchor: str | None) -> MappingNode:
        node = super().compose_mapping_node(anchor)
        # The keys as written: a merge (``<<``) elsewhere flattens this node in place
        # before it may be constructed, and the keys it brings in may repeat ours.
        self._written[id(node)] = (node, [k for k, _ in node.value if k.tag != _MERGE_TAG])
        return node

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[Any, Any]:
        _, keys = self._written.get(id(node), (node, [k for k, _ in node.value]))
        first: dict[Any, int] = {}
        for key_node in keys:
            key = self.construct_object(key_node, deep=deep)
            try:
                line = first.get(key)
            except TypeError:       # an unhashable key: the constructor says so below
                continue
            if line is not None:
                text = str(key_node.value) if isinstance(key_node, ScalarNode) else str(key)
                shown = text if len(text) <= 40 else text[:37] + "..."
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {shown!r} (first at line {line})",
                    key_node.start_mark)
            first[key] = key_node.start_mark.line + 1
        return super().construct_mapping(node, deep=deep)


_Loader.add_constructor(_INT_TAG, _Loader.construct_yaml_int)
# YAML 1.1 (PyYAML) reads a float only with a dot: ``1e9`` and ``1e-6`` would be text,
# which the specs refuse where a number is meant. YAML 1.2 reads them as numbers.
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?(?:[0-9][0-9_]*(?:\.[0-9_]*)?|\.[0-9_]+)[eE][-+]?[0-9]+$"),
    list("-+.0123456789"))


def _expanded_size(root: Node) -> int:
    """Nodes of the document with every alias expanded; raises on a cyclic alias.

    Iterative (no recursion), each distinct node visited once: shared nodes are what
    aliases make, and their expanded sizes are memoised.
    """
    size: dict[int, int] = {}
    on_path: set[int] = set()
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        key = id(node)
        if children_done:
            on_path.discard(key)
            size[key] = min(1 + sum(size[id(c)] for c in _children(node)), MAX_NODES + 1)
            continue
        if key in size:
            continue
        if key in on_path:
            line = node.start_mark.line + 1 if node.start_mark else 0
            raise YamlInputError(f"line {line}: an alias refers to a node that contains "
                                 "it (a value cannot include itself)")
        on_path.add(key)
        stack.append((node, True))
        for child in _children(node):
            if id(child) in on_path:
                line = child.start_mark.line + 1 if child.start_mark else 0
                raise YamlInputError(f"line {line}: an alias refers to a node that "
                                     "contains it (a value cannot include itself)")
            if id(child) not in size:
                stack.append((child, False))
    return size[id(root)]


def _children(node: Node) -> list[Node]:
    if isinstance(node, SequenceNode):
        return list(node.value)
    if isinstance(node, MappingNode):
        return [n for pair in node.value for n in pair]
    return []


def _path_to(root: Node, target: Node) -> str:
    """The dotted field path of ``target`` below ``root`` (breadth first), or ''."""
    queue: list[tuple[Node, str]] = [(root, "")]
    seen: set[int] = set()
    while queue:
        node, path = queue.pop(0)
        if node is target:
            return path
        if id(node) in seen:
            continue
        seen.add(id(node))
        prefix = f"{path}." if path else ""
        if isinstance(node, SequenceNode):
            queue.extend((c, f"{prefix}{i}") for i, c in enumerate(node.value))
        elif isinstance(node, MappingNode):
            for k, v in node.value:
                name = k.value if isinstance(k, ScalarNode) else "?"
                queue.append((k, f"{prefix}{name}"))
                queue.append((v, f"{prefix}{name}"))
    return ""


def _describe(node: Node, error: Exception) -> str:
    """What was expected of a scalar that did not construct, and what it held."""
    value = str(node.value) if isinstance(node, ScalarNode) else ""
    shown = value if len(value) <= 40 else value[:37] + "..."
    if node.tag == _INT_TAG and "digits" in str(error):
        return str(error)
    expected = _EXPECTED.get(node.tag, f"a value of type {node.tag}")
    return f"expected {expected}, got {shown!r}"


def read_yaml(text: str) -> Any:
    """Parse one YAML document under the module's limits.

    Parameters
    ----------
    text : the document

    Returns
    -------
    The data, as ``yaml.safe_load`` returns it (None for an empty document).

    Raises
    ------
    YamlInputError
        One-line message: ``line N: problem`` for syntax, size, depth, aliases and
        duplicate keys, ``FIELD: expected ..., got ...`` for a value that does not
        construct.
    """
    if len(text) > MAX_BYTES or len(text.encode("utf-8", "surrogatepass")) > MAX_BYTES:
        raise YamlInputError(f"larger than {MAX_BYTES // (1024 * 1024)} MB; a scenario "
                             "file is a few kB")
    try:
        loader = _Loader(text)  # the reader refuses control characters here already
    except yaml.reader.ReaderError as error:
        raise YamlInputError(_reader_problem(error)) from None
    try:
        try:
            root = loader.get_single_node()
        except yaml.MarkedYAMLError as error:
            mark = error.problem_mark or error.context_mark
            where = f"line {mark.line + 1}: " if mark is not None else ""
            problem = error.problem or error.context or "invalid YAML"
            raise YamlInputError(f"{where}{problem}") from None
        except yaml.reader.ReaderError as error:
            raise YamlInputError(_reader_problem(error)) from None
        except yaml.YAMLError as error:
            raise YamlInputError(str(error).splitlines()[0]) from None
        if root is None:
            return None
        if _expanded_size(root) > MAX_NODES:
            raise YamlInputError(f"aliases expand to more than {MAX_NODES:,} values "
                                 "(a 'billion laughs' file?)")
        try:
            return loader.construct_document(root)
        except yaml.constructor.ConstructorError as error:
            mark = error.problem_mark
            where = f"line {mark.line + 1}: " if mark is not None else ""
            raise YamlInputError(f"{where}{error.problem}") from None
        except (ValueError, TypeError, KeyError, AttributeError, OverflowError,
                IndexError) as error:
            bad = _failed_node(loader, root)
            path = _path_to(root, bad) if bad is not None else ""
            what = _describe(bad, error) if bad is not None else "cannot read a value"
            if not path and bad is not None and bad.start_mark is not None:
                path = f"line {bad.start_mark.line + 1}"
            raise YamlInputError(f"{path}: {what}" if path else what) from None
    finally:
        loader.dispose()


def _reader_problem(error: yaml.reader.ReaderError) -> str:
    return (f"character #x{error.character:04x} at position {error.position} is not "
            "allowed in YAML")


def _failed_node(loader: _Loader, root: Node) -> Node | None:
    """The first scalar below ``root`` whose construction raises (found again)."""
    stack: list[Node] = [root]
    seen: set[int] = set()
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, ScalarNode):
            try:
                loader.construct_object(node, deep=True)
            except Exception:  # noqa: BLE001 - finding which node failed, not handling it
                return node
        else:
            stack.extend(reversed(_children(node)))
    return None

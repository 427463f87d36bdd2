"""An on-disk cache of parsed rule files, so that a warm start never runs lark.

Why: building lark's LALR parser and parsing the rule files takes about half of
``Engine.default()``.  The syntax tree of a rule file depends only on its text, its
path (every :class:`~tallyrules.ast.Location` carries it) and the code and grammar that
parse it, so a tree stored under a hash of all of these can be reused as it is.

What is stored: one JSON file per key, ``<sha256>.json``, written by :func:`store` and
read by :func:`load`.  The tree is serialized generically from the attrs classes of
:mod:`tallyrules.ast` (a new node class or field needs no change here): a node is
``{"ClassName": [its field values in order]}``, a tuple is a JSON array, a list is
``{"list": [...]}``, and a field typed ``Location`` holding a position in the file
being parsed (nearly every node has one) is ``[line, column]``.  Reading checks every
value against the type its field declares and rebuilds tuples, lists and locations,
so the tree read back is equal (``==``) to the one lark produced.

Why it is safe (the concern was "no pickle loaded from a shared, predictable path"):

* JSON only, never pickle: reading a cache file cannot run code; at worst it builds
  frozen :mod:`tallyrules.ast` nodes whose fields have their declared types.
* The directory (``$TALLYRULES_CACHE_DIR``, else ``$XDG_CACHE_HOME/tallyrules``, else
  ``~/.cache/tallyrules``) is created with mode 0o700 and used only if it is a
  directory owned by the current user that neither its group nor others can write
  to, so nobody else can plant or change a file in it.  Otherwise nothing is read or
  written.  (Where :func:`os.getuid` does not exist, i.e. Windows, ownership and POSIX
  mode bits mean nothing and access is left to the directory's ACL.)
* Writes are atomic (a temporary file in the same directory, then :func:`os.replace`),
  so a reader never sees half a file, even with several processes starting at once.
* The key covers the format version, the package and lark versions, the grammar and
  the source of the modules that build the tree, the path and the text: an edit to
  any of them is a miss, never a stale tree.
* Each folder above it must be owned by the user or root and not writable by others
  (unless sticky, like /tmp), so nobody can swap the directory itself.  Each file is
  checked after it is opened (``fstat``: a regular file, not a symlink, owned by the user,
  writable by nobody else, of bounded size), so nothing can be swapped in between.
* Any problem reading (a missing, corrupt or foreign file, an unknown node type, a
  wrong shape, a permission error) is a miss, and any problem writing (a read-only
  directory, a full disk) is ignored: the cache can make start-up faster, never fail it.

Files with syntax errors are never stored (:func:`tallyrules.syntax.parse` raises
before storing), so their errors always come from the parser itself.

``TALLYRULES_CACHE=0`` (or ``off``, ``no``, ``false``) turns the cache off.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import importlib.metadata
import json
import os
import stat
import sys
import tempfile
import types
import typing
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

import attrs

from . import ast
from ._version import __version__
from .lexicons import NO_VALUE

FORMAT_VERSION = 1
"""Bump when the JSON layout changes (changes to the parsing code are covered by the key)."""

CACHE_DIR_VARIABLE = "TALLYRULES_CACHE_DIR"
SWITCH_VARIABLE = "TALLYRULES_CACHE"
_SWITCHED_OFF = frozenset({"0", "off", "no", "false"})

# The package files whose content decides which tree a text parses to.
_PARSER_SOURCES = ("grammar.lark", "ast.py", "syntax.py", "syntax_cache.py", "lexicons.py")


class CacheMiss(Exception):
    """A cache file that cannot be used; :func:`load` turns it into a miss (None)."""


# ---- where ------------------------------------------------------------------


def cache_enabled() -> bool:
    """False when ``TALLYRULES_CACHE`` is ``0``, ``off``, ``no`` or ``false``."""
    return os.environ.get(SWITCH_VARIABLE, "").strip().lower() not in _SWITCHED_OFF


def cache_directory() -> Path | None:
    """The directory to cache in, created if needed, or None when it must not be used.

    ``$TALLYRULES_CACHE_DIR``, else ``$XDG_CACHE_HOME/tallyrules``, else
    ``~/.cache/tallyrules``.  None when the cache is switched off, or when the directory
    cannot be created, is not a directory, is not owned by the current user, or can be
    written by its group or by others.
    """
    if not cache_enabled():
        return None
    try:
        directory = _configured_directory()
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        return directory if _only_user_can_write(directory) and _trusted_chain(directory) else None
    except (OSError, RuntimeError, ValueError):  # RuntimeError: no home directory
        return None


def _configured_directory() -> Path:
    explicit = os.environ.get(CACHE_DIR_VARIABLE)
    if explicit:
        return Path(explicit).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    if xdg and os.path.isabs(xdg):  # the XDG spec says a relative value is to be ignored
        return Path(xdg) / "tallyrules"
    return Path.home() / ".cache" / "tallyrules"


def _only_user_can_write(directory: Path) -> bool:
    """Whether ``directory`` is a directory nobody but the current user can add files to."""
    status = os.stat(directory)
    if not stat.S_ISDIR(status.st_mode):
        return False
    getuid = getattr(os, "getuid", None)
    if getuid is None:  # not POSIX: st_uid and the mode bits do not describe who may write
        return True
    return status.st_uid == getuid() and not status.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


def _trusted_chain(directory: Path) -> bool:
    """Whether no folder above ``directory`` lets another user swap it: each is owned by the
    current user or root, and is not writable by its group or others unless sticky (like /tmp)."""
    getuid = getattr(os, "getuid", None)
    if getuid is None:
        return True
    trusted_owners = {0, getuid()}
    for folder in directory.resolve().parents:
        status = os.stat(folder)
        if status.st_uid not in trusted_owners:
            return False
        if status.st_mode & (stat.S_IWGRP | stat.S_IWOTH) and not status.st_mode & stat.S_ISVTX:
            return False
    return True


MAX_CACHE_FILE_BYTES = 64 * 1024 * 1024
_READ_FLAGS = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)


def _read_private_file(file: Path) -> bytes:
    """The bytes of a cache file, checked on the opened descriptor (so nothing can be swapped in
    between the check and the read): a regular file, not a symlink, owned by the current user,
    writable by nobody else, of a bounded size.  :class:`CacheMiss` otherwise."""
    descriptor = os.open(file, _READ_FLAGS)
    try:
        status = os.fstat(descriptor)
        if not stat.S_ISREG(status.st_mode):
            raise CacheMiss("not a regular file")
        getuid = getattr(os, "getuid", None)
        if getuid is not None and (status.st_uid != getuid() or status.st_mode & (stat.S_IWGRP | stat.S_IWOTH)):
            raise CacheMiss("a file another user owns or may write")
        if status.st_size > MAX_CACHE_FILE_BYTES:
            raise CacheMiss("too large")
        with os.fdopen(os.dup(descriptor), "rb") as stream:
            return stream.read(MAX_CACHE_FILE_BYTES + 1)
    finally:
        os.close(descriptor)


# ---- the key ----------------------------------------------------------------


@functools.cache
def _parser_fingerprint() -> str | None:
    """A hash of everything, besides the text and the path, that decides the parsed tree.

    None when a source file cannot be read (e.g. an install without sources): a change
    to the code could then go unnoticed, so nothing is cached.
    """
    package = resources.files("tallyrules")
    parts = [f"format {FORMAT_VERSION}", f"tallyrules {__version__}", f"lark {_distribution_version('lark')}",
             f"python {sys.version_info.major}.{sys.version_info.minor}", f"no value {NO_VALUE!r}"]
    try:
        parts += [f"{name} {hashlib.sha256(package.joinpath(name).read_bytes()).hexdigest()}"
                  for name in _PARSER_SOURCES]
    except (OSError, ValueError):
        return None
    return _hash_parts(parts)


def _hash_parts(parts: typing.Iterable[str]) -> str:
    """The sha256 of strings, each prefixed with its length so that no two lists collide."""
    digest = hashlib.sha256()
    for part in parts:
        data = part.encode("utf-8", "surrogatepass")
        digest.update(len(data).to_bytes(8, "big"))
        digest.update(data)
    return digest.hexdigest()


def cache_key(text: str, path: str) -> str | None:
    """The hex sha256 naming the cache file of ``text`` parsed as ``path``.

    None when the parser's own sources cannot be read (then nothing is cached).
    """
    fingerprint = _parser_fingerprint()
    return None if fingerprint is None else _hash_parts((fingerprint, path, text))


# ---- the format -------------------------------------------------------------

_MAGIC = "tallyrules parse cache"  # the first item of every cache file
_LIST = "list"  # {"list": [...]} is a Python list; node class names are capitalized
_SCALARS = (str, int, float, bool, type(None))
_HERE = "a location in the file being read"  # marks the field _Reader.object_hook rebuilds inline

_Converter = Callable[[Any], Any]


class _DecodedList(list):  # type: ignore[type-arg]
    """A list read from ``{"list": [...]}``, told apart from arrays (tuples) until it is placed."""


@functools.cache
def _node_fields() -> dict[str, tuple[type, tuple[tuple[str, Any], ...]]]:
    """Every attrs class of :mod:`tallyrules.ast` by name, with its fields' names and types in order."""
    nodes = {}
    for name, cls in vars(ast).items():
        if isinstance(cls, type) and attrs.has(cls) and cls.__module__ == ast.__name__:
            hints = typing.get_type_hints(cls, vars(ast))
            nodes[name] = (cls, tuple((field.name, hints[field.name]) for field in attrs.fields(cls)))
    if _LIST in nodes:
        raise TypeError(f"a node class named {_LIST!r} would be read as a list")
    return nodes


_Layout = tuple[type, tuple[frozenset[type], ...], int | None, tuple[tuple[int, _Converter], ...]]


@functools.cache
def _node_layouts() -> dict[str, _Layout]:
    """How to check and finish a node of every class, whatever the path being read.

    For each class name: the class; the types each field's decoded JSON value may have;
    the index of the field holding a location in the file being read (or None); and the
    other fields whose decoded value needs converting, as ``(index, converter)``.
    Raises TypeError when a field's type is beyond what the format can represent.
    """
    node_types = frozenset(cls for cls, _ in _node_fields().values())
    layouts = {}
    for name, (cls, fields) in _node_fields().items():
        plans = [_field_plan(hint, node_types, top_level=True) for _, hint in fields]
        here = [index for index, (_, convert) in enumerate(plans) if convert is _HERE]
        if len(here) > 1:
            raise TypeError(f"the parse cache handles one Location field per node; {name} has {len(here)}")
        fixups = tuple((index, convert) for index, (_, convert) in enumerate(plans)
                       if convert is not None and convert is not _HERE)
        layouts[name] = (cls, tuple(types for types, _ in plans), here[0] if here else None, fixups)
    return layouts


def _field_plan(hint: Any, node_types: frozenset[type], top_level: bool = False) -> tuple[frozenset[type], Any]:
    """The types a decoded value annotated ``hint`` may have, and how it becomes final.

    The second item is None when the decoded value is final already (a scalar, or a node
    ``object_hook`` built), :data:`_HERE` for a location in the file being read (only a
    field's own type: :class:`_Writer` writes other locations as nodes), or a converter
    that checks what the type alone does not (an array's items) and returns the final
    value (a tuple for an array).
    """
    if hint is ast.Location and top_level:
        return frozenset({list}), _HERE
    if hint is object or hint is Any:  # plain data: everything a JSON value decodes to here
        return frozenset({*_SCALARS, *node_types, list, _DecodedList}), _plain
    if hint in _SCALARS or hint in node_types:
        return frozenset({hint}), None
    origin, arguments = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        plans = [_field_plan(argument, node_types) for argument in arguments]
        allowed = frozenset().union(*(types for types, _ in plans))
        converting = [(types, convert) for types, convert in plans if convert is not None]
        if not converting:
            return allowed, None
        if len(converting) > 1:
            raise TypeError(f"the parse cache cannot tell apart the arrays of {hint!r}")
        return allowed, functools.partial(_convert_if, *converting[0])
    if origin is tuple and len(arguments) == 2 and arguments[1] is Ellipsis:
        item_types, convert_item = _field_plan(arguments[0], node_types)
        if convert_item is None:
            return frozenset({list}), functools.partial(_tuple_of_types, item_types)
        return frozenset({list}), functools.partial(_tuple_of, functools.partial(_checked, item_types, convert_item))
    if origin is tuple:
        plans = [_field_plan(argument, node_types) for argument in arguments]
        item_fixups = tuple((index, convert) for index, (_, convert) in enumerate(plans) if convert is not None)
        return frozenset({list}), functools.partial(_fixed_tuple, tuple(types for types, _ in plans), item_fixups)
    raise TypeError(f"the parse cache cannot represent a field of type {hint!r}")


def _checked(allowed: frozenset[type], convert: _Converter, value: Any) -> Any:
    if type(value) not in allowed:
        raise CacheMiss(f"a {type(value).__name__} where it cannot be")
    return convert(value)


def _convert_if(types_to_convert: frozenset[type], convert: _Converter, value: Any) -> Any:
    return convert(value) if type(value) in types_to_convert else value


def _tuple_of_types(allowed: frozenset[type], value: list[Any]) -> tuple[Any, ...]:
    if not allowed.issuperset(map(type, value)):
        raise CacheMiss("an array with an item of the wrong type")
    return tuple(value)


def _tuple_of(convert_item: _Converter, value: list[Any]) -> tuple[Any, ...]:
    return tuple(map(convert_item, value))


def _fixed_tuple(item_types: tuple[frozenset[type], ...], fixups: tuple[tuple[int, _Converter], ...],
                 value: list[Any]) -> tuple[Any, ...]:
    if len(value) != len(item_types) or not all(map(frozenset.__contains__, item_types, map(type, value))):
        raise CacheMiss("an array of the wrong length or item types")
    for index, convert in fixups:
        value[index] = convert(value[index])
    return tuple(value)


def _plain(value: Any) -> Any:
    """The final form of a decoded value of a field typed ``object`` (arrays become tuples)."""
    cls = type(value)
    if cls is list:
        return tuple(map(_plain, value))
    if cls is _DecodedList:
        return list(value)  # its items were made final when it was decoded
    return value


class _Writer:
    """Turns a tree into JSON-ready data, the mirror image of :class:`_Reader`."""

    def __init__(self, path: str) -> None:
        self.path = path
        layouts = _node_layouts()  # the location field of each class is written as _Reader expects it
        self.fields = {cls: tuple((field, _HERE if index == layouts[name][2] else None)
                                  for index, (field, _) in enumerate(fields))
                       for name, (cls, fields) in _node_fields().items()}

    def encode(self, value: object) -> object:
        cls = type(value)
        if cls in _SCALARS:
            return value
        if cls is tuple:
            return [self.encode(item) for item in value]  # type: ignore[attr-defined]
        if cls is list:
            return {_LIST: [self.encode(item) for item in value]}  # type: ignore[attr-defined]
        if isinstance(value, str):  # e.g. a lark Token, which is equal to its text
            return str(value)
        fields = self.fields.get(cls)
        if fields is None:
            raise TypeError(f"the parse cache cannot store a {cls.__name__}")
        encoded: list[object] = []
        for name, how in fields:
            field = getattr(value, name)
            encoded.append(self.location(field) if how is _HERE else self.encode(field))
        return {cls.__name__: encoded}

    def location(self, at: ast.Location) -> list[object]:
        """``[line, column]`` in the file being written (nearly always), else ``[file, line, column]``."""
        return [at.line, at.column] if at.file == self.path else [at.file, at.line, at.column]


class _Reader:
    """Rebuilds the tree :class:`_Writer` wrote, checking every value against its field's type.

    :func:`json.loads` calls :meth:`object_hook` bottom-up for every JSON object, each
    ``{"ClassName": [field values]}`` or ``{"list": [...]}``, so a node's field values
    are final already (nodes, scalars) or arrays that the field's converter finishes.
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self.layouts = _node_layouts()

    def object_hook(self, encoded: dict[str, Any]) -> object:
        if len(encoded) != 1:
            raise CacheMiss("a node is an object with one key")
        ((name, values),) = encoded.items()
        if type(values) is not list:
            raise CacheMiss(f"{name} is not followed by an array")
        if name == _LIST:
            return _DecodedList(map(_plain, values))
        cls, field_types, here, fixups = self.layouts[name]  # KeyError: an unknown node type
        if len(values) != len(field_types) or not all(map(frozenset.__contains__, field_types, map(type, values))):
            raise CacheMiss(f"{name} has fields of the wrong number or types")
        if here is not None:  # nearly every node has a location: rebuilt inline, this is the hot path
            at = values[here]
            if len(at) == 2 and type(at[0]) is int and type(at[1]) is int:
                values[here] = ast.Location(self.path, at[0], at[1])
            else:
                values[here] = self.location_elsewhere(at)
        for index, convert in fixups:
            values[index] = convert(values[index])
        return cls(*values)

    @staticmethod
    def location_elsewhere(value: list[Any]) -> ast.Location:
        """``[file, line, column]``: a location in another file than the one being read."""
        if len(value) == 3 and type(value[0]) is str and type(value[1]) is int and type(value[2]) is int:
            return ast.Location(value[0], value[1], value[2])
        raise CacheMiss("a malformed location")


def to_json(tree: ast.RuleFile, key: str = "") -> str:
    """The cache file's content for ``tree`` under ``key``.

    Raises TypeError for a value the format cannot give back exactly.
    """
    document = [_MAGIC, FORMAT_VERSION, key, _Writer(tree.path).encode(tree)]
    return json.dumps(document, separators=(",", ":"), check_circular=False)


def from_json(data: str | bytes, path: str, key: str = "") -> ast.RuleFile:
    """The tree :func:`to_json` wrote for ``path`` under ``key``; :class:`CacheMiss` for anything else."""
    try:
        document = json.loads(data, object_hook=_Reader(path).object_hook)
    except (ValueError, KeyError, TypeError, RecursionError) as error:  # ValueError: bad JSON or UTF-8 too
        raise CacheMiss(f"unreadable: {error!r}") from error
    if type(document) is not list or len(document) != 4 or document[:3] != [_MAGIC, FORMAT_VERSION, key]:
        raise CacheMiss("not a parse cache file of this format and key")
    tree = document[3]
    if type(tree) is not ast.RuleFile or tree.path != path:
        raise CacheMiss("not the tree of this file")
    return tree


# ---- load and store ---------------------------------------------------------


def cache_file(text: str, path: str) -> Path | None:
    """The file that holds (or would hold) the tree of ``text`` parsed as ``path``; None: no caching."""
    directory = cache_directory()
    key = cache_key(text, path) if directory is not None else None
    return None if directory is None or key is None else directory / f"{key}.json"


def load(text: str, path: str) -> ast.RuleFile | None:
    """The cached tree of ``text`` parsed as ``path``, or None (a miss) for whatever reason."""
    try:
        file = cache_file(text, path)
        return None if file is None else from_json(_read_private_file(file), path, file.stem)
    except Exception:  # the cache may only make parsing faster: any problem is a miss
        return None


def store(text: str, path: str, tree: ast.RuleFile) -> None:
    """Cache ``tree`` as the parse of ``text`` as ``path``; skip silently on any problem."""
    try:
        file = cache_file(text, path)
        if file is not None:
            _write_atomically(file, to_json(tree, file.stem))
    except Exception:  # a read-only directory, a full disk, a tree the format cannot hold: do not cache
        pass


def _write_atomically(file: Path, data: str) -> None:
    """Write ``data`` (ASCII) to ``file`` through a temporary file in the same directory, so that a
    reader sees the old file or the whole new one; the temporary file never outlives a failure."""
    temporary = None
    try:
        descriptor, temporary = tempfile.mkstemp(prefix=f".{file.stem[:16]}-", suffix=".tmp", dir=file.parent)
        with os.fdopen(descriptor, "w", encoding="ascii") as stream:
            stream.write(data)
        os.replace(temporary, file)
        temporary = None
    finally:
        if temporary is not None:
            with contextlib.suppress(OSError):
                os.unlink(temporary)


# ---- other entries: documents of plain JSON ----------------------------------
#
# The same directory, checks and atomic writes serve other caches of derived data (the compiled
# patterns of a set of rule files, see :mod:`tallyrules.compiler`): each kind of entry lives in a
# private subdirectory of its own, as ``<kind>/<key>.json`` holding ``[magic, format, key, payload]``.
# The caller's key must cover everything the payload depends on, and the caller checks the shape of
# the payload it reads back: anything unexpected there is a miss too.

MAX_DOCUMENTS_PER_KIND = 12
"""Entries kept of each kind (the most recently written or read): each edit of a rule file makes a new one."""


def entry_directory(kind: str) -> Path | None:
    """The private subdirectory ``kind`` of the cache directory, created if needed; None when the
    cache is off or the subdirectory is not a real directory that only the current user can write."""
    directory = cache_directory()
    if directory is None:
        return None
    try:
        subdirectory = directory / kind
        subdirectory.mkdir(mode=0o700, exist_ok=True)
        if stat.S_ISLNK(os.lstat(subdirectory).st_mode):
            return None
        return subdirectory if _only_user_can_write(subdirectory) else None
    except OSError:
        return None


def engine_fingerprint() -> str | None:
    """A hash of the whole package's code and data (every module, the grammar, the data files), the
    parser's fingerprint and the versions of Python and RE2: whatever a derived entry may depend on
    besides its inputs.  None when a file cannot be read (then nothing is cached)."""
    parser = _parser_fingerprint()
    return None if parser is None else _engine_fingerprint(parser)


@functools.cache
def _engine_fingerprint(parser: str) -> str | None:
    package = resources.files("tallyrules")
    parts = [parser, f"python {sys.version}", f"re2 {_distribution_version('google-re2')}"]
    try:
        files = sorted((entry for entry in package.iterdir() if entry.is_file()), key=lambda entry: entry.name)
        parts += [f"{entry.name} {hashlib.sha256(entry.read_bytes()).hexdigest()}" for entry in files
                  if entry.name.endswith((".py", ".lark", ".tsv"))]
    except (OSError, ValueError):
        return None
    return _hash_parts(parts)


def _distribution_version(name: str) -> str:
    try:
        return importlib.metadata.version(name)
    except Exception:  # not installed as a distribution: the fingerprint says so
        return "unknown"


def document_key(kind: str, parts: typing.Iterable[str]) -> str | None:
    """The key of a ``kind`` entry derived from ``parts`` (which must name every input) and the
    engine's fingerprint; None when the engine's sources cannot be read."""
    fingerprint = engine_fingerprint()
    return None if fingerprint is None else _hash_parts(_chain((f"kind {kind}", fingerprint), parts))


def _chain(first: typing.Iterable[str], then: typing.Iterable[str]) -> typing.Iterator[str]:
    yield from first
    yield from then


def _document_magic(kind: str) -> str:
    return f"tallyrules {kind} cache"


def load_document(kind: str, key: str) -> Any:
    """The payload stored under ``kind``/``key``, or None (a miss) for whatever reason."""
    try:
        directory = entry_directory(kind)
        if directory is None:
            return None
        file = directory / f"{key}.json"
        document = json.loads(_read_private_file(file))
        if type(document) is not list or len(document) != 4 or document[:3] != [_document_magic(kind),
                                                                                 FORMAT_VERSION, key]:
            return None
        with contextlib.suppress(OSError):
            os.utime(file)  # recently used: the last entry that pruning drops
        return document[3]
    except Exception:  # missing, unreadable, foreign, corrupt: a miss
        return None


def store_document(kind: str, key: str, payload: Any) -> None:
    """Store ``payload`` (JSON data) under ``kind``/``key``, and drop the oldest entries beyond
    :data:`MAX_DOCUMENTS_PER_KIND`; skip silently on any problem."""
    try:
        directory = entry_directory(kind)
        if directory is None:
            return
        data = json.dumps([_document_magic(kind), FORMAT_VERSION, key, payload], separators=(",", ":"),
                          check_circular=False)
        _write_atomically(directory / f"{key}.json", data)
        _prune(directory)
    except Exception:  # a read-only directory, a full disk, a value JSON cannot hold: do not cache
        pass


def _prune(directory: Path) -> None:
    entries = []
    for entry in directory.glob("*.json"):
        with contextlib.suppress(OSError):
            entries.append((entry.stat().st_mtime_ns, entry))
    entries.sort(reverse=True)
    for _mtime, entry in entries[MAX_DOCUMENTS_PER_KIND:]:
        with contextlib.suppress(OSError):
            entry.unlink()

"""Bounded, confined reads of the files a rule pack is made of.

A pack folder may hold anything: a symlink to a file elsewhere, a device such as
``/dev/zero``, a FIFO that never delivers, a file of gigabytes.  Every rule and
lexicon file is therefore read through :func:`read_text`, which

* follows symlinks and refuses a file whose real path leaves the pack's root,
* opens without blocking (``O_NONBLOCK``: opening a FIFO does not wait for a writer)
  and refuses, before reading a byte, anything that is not a regular file,
* refuses a file larger than its limit, and reads at most that many bytes,
* decodes UTF-8 (a byte order mark is dropped) and refuses binary or undecodable
  content with its line and column.

A refusal is an :class:`UnreadableFile` (an :class:`OSError`, so callers that handle
unreadable files handle it) whose message names the file and the reason, never the
file's content.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

MAX_RULE_FILE_BYTES = 4 * 1024 * 1024
MAX_LEXICON_FILE_BYTES = 32 * 1024 * 1024

_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_BINARY", 0)


class UnreadableFile(OSError):
    """A file refused or undecodable; the message says why, never what it holds."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else "unreadable"


def inside(path: Path, root: Path) -> bool:
    """Whether ``path``, symlinks followed, is ``root`` or below it."""
    real, real_root = path.resolve(), root.resolve()
    return real == real_root or real_root in real.parents


def read_bytes(path: Path, limit: int, root: Path | None = None) -> bytes:
    """The bytes of the regular file at ``path`` (below ``root`` if given), at most ``limit`` of them."""
    if root is not None and not inside(path, root):
        raise UnreadableFile(f"{path} leads outside the pack folder {root} (a symbolic link?); it is not read")
    descriptor = os.open(path, _OPEN_FLAGS)
    try:
        status = os.fstat(descriptor)
        if not stat.S_ISREG(status.st_mode):
            raise UnreadableFile(f"{path} is not a regular file (a folder, device, FIFO or socket); it is not read")
        if status.st_size > limit:
            raise UnreadableFile(f"{path} is larger than {limit:,} bytes ({status.st_size:,}); it is not read")
        chunks, size = [], 0
        while size <= limit:
            chunk = os.read(descriptor, min(1 << 20, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > limit:  # grew while being read
            raise UnreadableFile(f"{path} is larger than {limit:,} bytes; it is not read")
        return b"".join(chunks)
    finally:
        os.close(descriptor)


def _line_and_column(data: bytes, offset: int) -> tuple[int, int]:
    line_start = data.rfind(b"\n", 0, offset) + 1
    return data.count(b"\n", 0, offset) + 1, offset - line_start + 1


def decode(data: bytes, name: str) -> str:
    """UTF-8 text of ``data`` without a byte order mark; :class:`UnreadableFile` for binary or bad bytes."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise UnreadableFile(f"{name} is UTF-16; save it as UTF-8")
    nul = data.find(b"\x00")
    if nul != -1:
        line, column = _line_and_column(data, nul)
        raise UnreadableFile(f"{name} looks binary: a NUL byte at line {line}, column {column}")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line, column = _line_and_column(data, error.start)
        raise UnreadableFile(f"{name} is not UTF-8: byte 0x{data[error.start]:02x} at line {line}, column {column} "
                             f"({error.reason})") from None


def read_text(path: Path, limit: int, root: Path | None = None) -> str:
    """:func:`read_bytes` then :func:`decode`."""
    return decode(read_bytes(path, limit, root), str(path))

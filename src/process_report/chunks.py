"""Big texts made of many small parts (a template's output, a JSON encoder's), joined
into chunks of a bounded size: holding the parts themselves costs several times the
text (millions of small strings), and holding the whole text and its bytes at once
twice it."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

CHUNK_CHARS = 256 * 1024


def joined(parts: Iterable[str], size: int = CHUNK_CHARS) -> Iterator[str]:
    """The parts, in order, joined into chunks of about `size` characters (the last
    one may be shorter, or empty)."""
    batch: list[str] = []
    length = 0
    for part in parts:
        batch.append(part)
        length += len(part)
        if length >= size:
            yield "".join(batch)
            batch, length = [], 0
    yield "".join(batch)


def utf8_size(text: str, size: int = CHUNK_CHARS) -> int:
    """`len(text.encode())`, without holding a second copy of a big text."""
    return sum(len(text[start : start + size].encode()) for start in range(0, len(text), size))


def encoded(text: str, size: int = CHUNK_CHARS) -> Iterator[bytes]:
    """The text as UTF-8, a chunk of `size` characters at a time."""
    for start in range(0, len(text), size):
        yield text[start : start + size].encode()

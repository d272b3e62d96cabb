"""Text files as releases deliver them: encoding detection (BOMs, UTF-16 without a BOM, UTF-8,
cp1252, latin-1), the user's ``--encoding`` override, streaming transcoding to UTF-8 for readers
that need UTF-8 (DuckDB), and decoding the head of a file for sniffing.

Detection looks at the first 64 KiB; readers that stream the whole file re-check while reading and
fall back (with a note) when the guess was wrong further down.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass
from pathlib import Path

from .errors import SourceRejected

BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
BLOCK = 1 << 22  # 4 MiB per transcoding block


@dataclass(frozen=True)
class Encoding:
    """A detected or given encoding: the Python codec, the BOM length to skip, how it was decided."""

    codec: str
    bom_length: int = 0
    how: str = "detected"  # 'detected', 'BOM', 'given'

    @property
    def label(self) -> str:
        """The name recorded in `sources.encoding`."""
        names = {"utf-8-sig": "utf-8 (BOM)", "utf-16-le": "utf-16-le", "utf-16-be": "utf-16-be",
                 "cp1252": "cp1252", "latin-1": "latin-1", "utf-8": "utf-8"}
        base = names.get(self.codec, self.codec)
        if self.bom_length and "BOM" not in base:
            base += " (BOM)"
        return base + (" (given)" if self.how == "given" else "")

    @property
    def is_utf8(self) -> bool:
        return self.codec in ("utf-8", "utf-8-sig")


def _valid_utf8_prefix(data: bytes) -> bool:
    """True when data is UTF-8, allowing a multi-byte character cut at the end of the sample."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        decoder.decode(data, final=False)
    except UnicodeDecodeError:
        return False
    return True


def detect(head: bytes) -> Encoding:
    """The encoding of a text file from its first bytes."""
    for bom, codec in BOMS:
        if head.startswith(bom):
            if codec == "utf-8-sig":
                return Encoding("utf-8-sig", 0, "BOM")  # the utf-8-sig codec drops the BOM itself
            return Encoding(codec, len(bom), "BOM")
    sample = head[:4096]
    if len(sample) >= 4:
        even_nuls = sample[0::2].count(0)
        odd_nuls = sample[1::2].count(0)
        half = len(sample) / 2
        if odd_nuls > 0.3 * half and even_nuls < 0.05 * half:
            return Encoding("utf-16-le")
        if even_nuls > 0.3 * half and odd_nuls < 0.05 * half:
            return Encoding("utf-16-be")
    if _valid_utf8_prefix(head):
        return Encoding("utf-8")
    try:
        head.decode("cp1252")
        return Encoding("cp1252")
    except UnicodeDecodeError:
        return Encoding("latin-1")


_CONTROL = {c: None for c in range(32) if chr(c) not in "\t\n\r\f\x1a\x1b"}


def looks_binary(head: bytes) -> bool:
    """True when the first bytes are not text in the encoding detect() finds: many control characters
    (NUL among them) or undecodable bytes. A text file damaged by a few stray NUL bytes (or a \\x1a end
    marker) is still text."""
    if not head:
        return False
    encoding = detect(head)
    text = head[encoding.bom_length:65536].decode(encoding.codec, errors="replace")
    odd = len(text) - len(text.translate(_CONTROL)) + text.count("\ufffd")
    return odd > max(8, len(text) // 100)


def given(name: str, head: bytes) -> Encoding:
    """The user's ``--encoding``, checked to be a codec Python knows; a BOM of that family is skipped."""
    try:
        codec = codecs.lookup(name).name
    except LookupError as exc:
        raise SourceRejected(f"unknown encoding {name!r}",
                             hint="use e.g. utf-8, utf-16, cp1252, latin-1; or leave --encoding out to detect it") from exc
    if codec in ("utf-8", "utf_8") and head.startswith(codecs.BOM_UTF8):
        return Encoding("utf-8-sig", 0, "given")
    if codec in ("utf-16", "utf_16"):
        found = detect(head)
        if found.codec.startswith("utf-16"):
            return Encoding(found.codec, found.bom_length, "given")
        return Encoding("utf-16-le", 0, "given")
    return Encoding(codec, 0, "given")


def for_file(path: Path, override: str | None) -> Encoding:
    with open(path, "rb") as fh:
        head = fh.read(65536)
    return given(override, head) if override else detect(head)


def decode_head(path: Path, encoding: Encoding, size: int = 65536) -> str:
    """The first ``size`` bytes decoded (errors replaced), cut at the last complete line."""
    with open(path, "rb") as fh:
        data = fh.read(size + encoding.bom_length)
    complete = len(data) < size + encoding.bom_length
    text = data[encoding.bom_length:].decode(encoding.codec, errors="replace")
    text = text.lstrip("\ufeff")
    if not complete and "\n" in text:
        text = text[: text.rfind("\n") + 1]
    return text


def transcode_to_utf8(path: Path, encoding: Encoding, target: Path, *, nul: str | None = None) -> int:
    """Write ``path`` decoded with ``encoding`` as UTF-8 to ``target``, block by block; with ``nul``,
    every NUL character is written as that text instead.

    Returns the number of undecodable bytes replaced with U+FFFD (0 when the encoding fits).
    """
    decoder = codecs.getincrementaldecoder(encoding.codec)(errors="replace")
    replaced = 0
    with open(path, "rb") as src, open(target, "w", encoding="utf-8", newline="") as dst:
        src.read(encoding.bom_length)
        first = True
        while True:
            block = src.read(BLOCK)
            text = decoder.decode(block, final=not block)
            if first:
                text = text.lstrip("\ufeff")
                first = False
            replaced += text.count("\ufffd")
            dst.write(text if nul is None else text.replace("\x00", nul))
            if not block:
                break
    return replaced

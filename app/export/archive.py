"""An export folder as a zip, produced piece by piece so that no zip file is kept on disk or in memory."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from pathlib import Path

# Images are compressed already; deflating them again costs time and saves nothing.
_STORED_SUFFIXES = {".png", ".jpg", ".jpeg", ".webp"}
_CHUNK = 256 * 1024


class _Pipe(io.RawIOBase):
    """A write-only stream that hands what zipfile writes to the generator below."""

    def __init__(self) -> None:
        self._chunks: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data: bytes) -> int:  # type: ignore[override]
        self._chunks.append(bytes(data))
        return len(data)

    def drain(self) -> bytes:
        data = b"".join(self._chunks)
        self._chunks.clear()
        return data


def iter_zip(folder: Path, root: str) -> Iterator[bytes]:
    """The files under `folder` as a zip whose entries sit under the folder name `root`.

    Blocking file reads: iterate it in a worker thread (Starlette does for a sync iterator).
    """
    pipe = _Pipe()
    # zipfile finds the stream unseekable and writes sizes after each entry (data descriptors).
    with zipfile.ZipFile(pipe, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            info = zipfile.ZipInfo.from_file(path, f"{root}/{path.relative_to(folder).as_posix()}")
            stored = path.suffix.lower() in _STORED_SUFFIXES
            info.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
            with path.open("rb") as source, archive.open(info, "w") as entry:
                while chunk := source.read(_CHUNK):
                    entry.write(chunk)
                    if data := pipe.drain():
                        yield data
            if data := pipe.drain():
                yield data
    if data := pipe.drain():
        yield data

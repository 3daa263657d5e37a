"""Rewrites a chart archive in one canonical form, so that the same chart gives the same bytes
whichever Helm packaged it (Helm 4 dates every file SOURCE_DATE_EPOCH; Helm 3 dates them when
it runs).

The entries keep Helm's order, names, sizes and contents; each becomes a regular file of mode
0644, owned by 0:0 without names, dated EPOCH; the tar is compressed by gzip at level 9 with no
name and no time in its header. Standard library only.

Usage: python3 tools/normalize_archive.py ARCHIVE EPOCH   (rewrites ARCHIVE in place)
"""

from __future__ import annotations

import gzip
import io
import os
import sys
import tarfile


def normalized(data: bytes, epoch: int) -> bytes:
    """The canonical bytes of a gzipped tar archive."""
    out = io.BytesIO()
    with (
        tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as source,
        tarfile.open(fileobj=out, mode="w", format=tarfile.PAX_FORMAT) as target,
    ):
        for member in source.getmembers():
            if not member.isfile():
                raise SystemExit(f"error: {member.name}: not a regular file")
            content = source.extractfile(member).read()  # type: ignore[union-attr]
            entry = tarfile.TarInfo(member.name)
            entry.size = len(content)
            entry.mode = 0o644
            entry.mtime = epoch
            target.addfile(entry, io.BytesIO(content))
    # gzip.compress writes no file name; mtime=0 leaves the time out of the header.
    return gzip.compress(out.getvalue(), compresslevel=9, mtime=0)


def main(argv: list[str]) -> int:
    if len(argv) != 2 or not argv[1].isdigit():
        print("usage: tools/normalize_archive.py ARCHIVE EPOCH", file=sys.stderr)
        return 2
    path, epoch = argv[0], int(argv[1])
    with open(path, "rb") as f:
        data = normalized(f.read(), epoch)
    with open(path + ".tmp", "wb") as f:
        f.write(data)
    os.replace(path + ".tmp", path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""The local cache of official files: one folder per source under var/opendata/."""

import fnmatch
import shutil
from pathlib import Path

from edhub.opendata.sources import SOURCES


def source_dir(cache_dir, slug):
    return Path(cache_dir) / slug


def cached_files(cache_dir):
    """{slug: the file to import} for every source with a file in the cache, in import order."""
    found = {}
    for slug in SOURCES:
        folder = source_dir(cache_dir, slug)
        files = (
            sorted(
                (p for p in folder.glob("*") if p.is_file() and not p.name.endswith(".part")),
                key=lambda p: p.stat().st_mtime,
            )
            if folder.is_dir()
            else []
        )
        if files:
            found[slug] = files[-1]
    return found


def matching_files(folder, source):
    """Files of `folder` whose name matches one of the source's patterns (newest name last)."""
    names = sorted(p for p in Path(folder).iterdir() if p.is_file())
    return [p for p in names if any(fnmatch.fnmatch(p.name.lower(), pattern) for pattern in source.file_patterns)]


def copy_into_cache(file, cache_dir, slug):
    """Copy a local file into the source's cache folder, replacing what was there.

    Returns (path in the cache, whether it was copied: False when the same file was already there)."""
    folder = source_dir(cache_dir, slug)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / file.name
    for old in folder.iterdir():
        if old.is_file() and old != target:
            old.unlink()
    same = target.exists() and target.stat().st_size == file.stat().st_size
    same = same and target.read_bytes() == file.read_bytes()
    if not same:
        shutil.copy2(file, target)
    return target, not same

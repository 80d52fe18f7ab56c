"""Downloading official files into the cache: resumable, retried, checksummed, with a progress bar."""

import datetime
import json
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

import requests
from tqdm import tqdm

from edhub.opendata.cache import source_dir
from edhub.opendata.importing import file_checksum

CHUNK = 1 << 16
MANIFEST = "manifest.json"


class FetchError(Exception):
    """The file could not be downloaded; the message says why and what to do."""


@dataclass
class FetchResult:
    path: Path
    checksum: str
    downloaded: bool  # False when the server said the cached copy is current


def read_manifest(cache_dir):
    path = Path(cache_dir) / MANIFEST
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


def write_manifest_entry(cache_dir, slug, entry):
    manifest = read_manifest(cache_dir)
    manifest[slug] = entry
    path = Path(cache_dir) / MANIFEST
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")


def fetch(source, cache_dir, *, url=None, retries=3, backoff=2.0, timeout=30, progress=True):
    """Download the source's official file into the cache (resuming a partial download)."""
    url = url or source.download_url
    folder = source_dir(cache_dir, source.slug)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / source.file_name
    partial = target.with_name(target.name + ".part")
    previous = read_manifest(cache_dir).get(source.slug, {})
    host = urlparse(url).hostname
    last_error = None
    etag = previous.get("etag", "")
    for attempt in range(1, retries + 1):
        try:
            headers = {"User-Agent": "edhub (Education Data Hub)"}
            if partial.exists():
                headers["Range"] = f"bytes={partial.stat().st_size}-"
            elif target.exists() and previous.get("etag"):
                headers["If-None-Match"] = previous["etag"]
            with requests.get(url, headers=headers, stream=True, timeout=timeout) as response:
                if response.status_code == 304:
                    return FetchResult(target, previous.get("sha256") or file_checksum(target), downloaded=False)
                if response.status_code == 416:  # the partial file is already complete
                    break
                if response.status_code >= 500:
                    raise FetchError(f"le serveur {host} a répondu {response.status_code}")
                if response.status_code >= 400:
                    raise FetchError(
                        f"le serveur {host} a répondu {response.status_code} pour {url} : "
                        "l'adresse officielle a peut-être changé, voir la page du jeu de données "
                        f"{source.dataset_url}"
                    )
                resumed = response.status_code == 206
                mode = "ab" if resumed else "wb"
                done = partial.stat().st_size if resumed else 0
                length = response.headers.get("Content-Length")
                total = done + int(length) if length else None
                # A cut connection must keep what arrived: the size is checked here, not by urllib3.
                response.raw.enforce_content_length = False
                with (
                    open(partial, mode) as handle,
                    tqdm(
                        total=total, initial=done, unit="o", unit_scale=True, desc=source.slug, disable=not progress
                    ) as bar,
                ):
                    for block in response.iter_content(CHUNK):
                        handle.write(block)
                        bar.update(len(block))
                if total is not None and partial.stat().st_size < total:
                    raise FetchError(f"téléchargement interrompu à {partial.stat().st_size} octets sur {total}")
                etag = response.headers.get("ETag", "")
            break
        except FetchError as error:
            if "a répondu 4" in str(error):
                raise
            last_error = error
        except requests.RequestException as error:
            last_error = error
        if attempt < retries:
            time.sleep(backoff * 2 ** (attempt - 1))
    else:
        raise FetchError(
            f"Impossible de télécharger « {source.title} » depuis {host} après {retries} essais "
            f"({_reason(last_error)}). "
            f"Pas de connexion Internet ? Téléchargez le fichier depuis {source.dataset_url} puis lancez "
            f"« edhub fetch --from DOSSIER {source.slug} » ou « edhub import {source.slug} FICHIER »."
        )
    partial.replace(target)
    checksum = file_checksum(target)
    write_manifest_entry(
        cache_dir,
        source.slug,
        {
            "url": url,
            "file": target.name,
            "sha256": checksum,
            "size": target.stat().st_size,
            "fetched_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
            "etag": etag,
        },
    )
    return FetchResult(target, checksum, downloaded=True)


def _reason(error):
    if isinstance(error, requests.ConnectionError):
        return "connexion impossible"
    if isinstance(error, requests.Timeout):
        return "délai dépassé"
    return str(error) if error else "erreur inconnue"

"""Downloads against a small HTTP server on loopback that behaves like the official ones (or badly)."""

import hashlib
import http.server
import threading

import pytest
from django.core.management import CommandError, call_command

from edhub.opendata.cache import cached_files
from edhub.opendata.fetch import FetchError, fetch, read_manifest
from edhub.opendata.sources import SOURCES

PAYLOAD = ("code_insee;nbr\n" + "".join(f"{i:05d};{i}\n" for i in range(1000, 9000))).encode()


class Handler(http.server.BaseHTTPRequestHandler):
    failures_left = 0
    cut_after = None  # send only this many bytes, then close (a broken connection)
    requests = []

    def do_GET(self):  # noqa: N802 (http.server API)
        Handler.requests.append(dict(self.headers))
        if Handler.failures_left:
            Handler.failures_left -= 1
            self.send_error(503)
            return
        if self.path == "/missing.csv":
            self.send_error(404)
            return
        if self.headers.get("If-None-Match") == '"v1"':
            self.send_response(304)
            self.end_headers()
            return
        start = 0
        if self.headers.get("Range"):
            start = int(self.headers["Range"].split("=")[1].rstrip("-"))
            self.send_response(206)
        else:
            self.send_response(200)
        body = PAYLOAD[start:]
        self.send_header("Content-Length", str(len(body)))
        self.send_header("ETag", '"v1"')
        self.end_headers()
        if Handler.cut_after is not None:
            self.wfile.write(body[: Handler.cut_after])
            Handler.cut_after = None
            self.wfile.flush()
            self.connection.shutdown(2)
            return
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    Handler.failures_left, Handler.cut_after, Handler.requests = 0, None, []
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


SOURCE = SOURCES["arcep-debit"]


def test_download_lands_in_the_cache_with_its_checksum(server, tmp_path):
    result = fetch(SOURCE, tmp_path, url=f"{server}/file.csv", progress=False)
    assert result.downloaded
    assert result.path == tmp_path / "arcep-debit" / "commune_debit_filaire.csv"
    assert result.path.read_bytes() == PAYLOAD
    assert result.checksum == hashlib.sha256(PAYLOAD).hexdigest()
    assert read_manifest(tmp_path)["arcep-debit"]["sha256"] == result.checksum
    assert cached_files(tmp_path) == {"arcep-debit": result.path}


def test_unchanged_file_is_not_downloaded_again(server, tmp_path):
    fetch(SOURCE, tmp_path, url=f"{server}/file.csv", progress=False)
    again = fetch(SOURCE, tmp_path, url=f"{server}/file.csv", progress=False)
    assert not again.downloaded
    assert Handler.requests[-1]["If-None-Match"] == '"v1"'


def test_server_errors_are_retried(server, tmp_path):
    Handler.failures_left = 2
    result = fetch(SOURCE, tmp_path, url=f"{server}/file.csv", retries=3, backoff=0, progress=False)
    assert result.path.read_bytes() == PAYLOAD
    assert len(Handler.requests) == 3


def test_broken_download_resumes_where_it_stopped(server, tmp_path):
    Handler.cut_after = 10_000
    result = fetch(SOURCE, tmp_path, url=f"{server}/file.csv", retries=3, backoff=0, progress=False)
    assert result.path.read_bytes() == PAYLOAD
    assert Handler.requests[-1]["Range"] == "bytes=10000-"
    assert not (tmp_path / "arcep-debit" / "commune_debit_filaire.csv.part").exists()


def test_offline_says_what_to_do(tmp_path):
    with pytest.raises(FetchError) as error:
        fetch(SOURCE, tmp_path, url="http://127.0.0.1:9/file.csv", retries=2, backoff=0, progress=False)
    message = str(error.value)
    assert "après 2 essais (connexion impossible)" in message
    assert "edhub fetch --from DOSSIER arcep-debit" in message


def test_wrong_address_is_not_retried(server, tmp_path):
    with pytest.raises(FetchError, match="a répondu 404"):
        fetch(SOURCE, tmp_path, url=f"{server}/missing.csv", retries=3, backoff=0, progress=False)
    assert len(Handler.requests) == 1


@pytest.mark.django_db
def test_fetch_from_a_local_folder_then_import_all(opendata, tmp_path, capsys):
    call_command("fetch", "annuaire", "arcep-debit", "--from", str(opendata), "--dir", str(tmp_path))
    assert set(cached_files(tmp_path)) == {"annuaire", "arcep-debit"}
    call_command("import", "--all", "--dir", str(tmp_path), verbosity=0)
    out = capsys.readouterr().out
    # Both files were imported when the session's database was prepared: skipped by checksum.
    assert out.count("déjà importé") == 2


def test_fetch_from_a_folder_without_the_file_fails_clearly(tmp_path):
    with pytest.raises(CommandError, match="1 source\\(s\\) non disponible\\(s\\) : insee-densite"):
        call_command("fetch", "insee-densite", "--from", str(tmp_path), "--dir", str(tmp_path / "cache"))

import pytest


@pytest.fixture
def variant(tmp_path, opendata):
    """Write a modified copy of a real extract: variant(name, edit) where edit(lines) returns the new lines
    (lines without their end-of-line; the copy keeps the original encoding, BOM and line endings)."""

    def make(name, edit, *, suffix=None, encoding=None):
        raw = (opendata / name).read_bytes()
        bom = raw.startswith(b"\xef\xbb\xbf")
        text = raw.decode("utf-8-sig")
        newline = "\r\n" if "\r\n" in text[:5000] else "\n"
        lines = edit(text.split(newline))
        target = tmp_path / (suffix or name)
        data = newline.join(lines)
        target.write_bytes(data.encode(encoding) if encoding else (b"\xef\xbb\xbf" if bom else b"") + data.encode())
        return target

    return make

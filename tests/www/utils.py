import html
import re


def text_of(page):
    """The visible text of an HTML page (or fragment), tags removed and whitespace collapsed."""
    content = page.content.decode() if hasattr(page, "content") else page
    content = re.sub(r"<(script|style)\b.*?</\1>", " ", content, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", content)).split())


def title_of(page):
    title = re.search(r"<title>(.*?)</title>", page.content.decode(), re.S).group(1)
    return " ".join(html.unescape(title).split())

"""bench/RELIABILITY.md: one block per run between markers, replaced by the latest figures; everything
else in the file is hand-written and kept (the history is in git)."""

import re
from pathlib import Path

from bench.env import REPO

RELIABILITY = REPO / "bench" / "RELIABILITY.md"
HEADER = "# Reliability runs\n"


def replace_block(text: str, key: str, body: str) -> str:
    """`text` with the block between `<!-- reliability:key -->` and `<!-- /reliability:key -->` replaced
    by `body` (appended at the end when missing)."""
    begin, end = f"<!-- reliability:{key} -->", f"<!-- /reliability:{key} -->"
    block = f"{begin}\n{body.strip()}\n{end}"
    pattern = re.compile(re.escape(begin) + ".*?" + re.escape(end), re.S)
    if pattern.search(text):
        return pattern.sub(lambda _: block, text)
    return text.rstrip("\n") + "\n\n" + block + "\n"


def write(key: str, body: str, path: Path = RELIABILITY) -> None:
    text = path.read_text() if path.exists() else HEADER
    path.write_text(replace_block(text, key, body))

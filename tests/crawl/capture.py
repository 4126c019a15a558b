"""A test-only item pipeline that appends every item it sees to a JSON Lines file.

Used by the end-to-end tests to compare what the spider extracted with the demo
site's ground truth. Runs in the crawl subprocess; the file is
``LCOM_TEST_CAPTURE``.
"""

from __future__ import annotations

import json
from typing import Any


class CapturePipeline:
    def __init__(self, path: str) -> None:
        self.path = path

    @classmethod
    def from_crawler(cls, crawler: Any) -> CapturePipeline:
        return cls(crawler.settings.get("LCOM_TEST_CAPTURE"))

    def process_item(self, item: Any) -> Any:
        with open(self.path, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(dict(item), ensure_ascii=False) + "\n")
        return item

"""Contacts never reach a log: every log record is redacted when it is made.

Ad URLs and ids can hold phone numbers, e-mail addresses and handles (``/ad/anna-
0612345678``), and Scrapy logs URLs at every level (a 404 at WARNING, every request at
DEBUG). :func:`install` wraps the logging module's record factory, so every record, of
every logger, at every level, whatever handler writes it (console, ``LOG_FILE``, a test
capture), is redacted before anyone sees it: the message with its arguments, and the
text of an exception. Contacts become ``[phone]``, ``[email]`` or ``[handle]`` (found by
the same detector as in stored text, with the rules for identifiers, so ids, counts and
timestamps stay readable).

A record below the level of every handler it would reach (Scrapy's DEBUG line per page
when the log level is INFO) is dropped unread by the logging module, so it is not
redacted: that work was a large share of the crawl's time per page. Only logger-level
filters see such a record, and lcom installs none.

Every lcom entry point installs it: the ``lcom`` command (``crawler/cli``) and any
Scrapy process that loads lcom's settings (``scrapy crawl ads``, ``crawler/settings.py``).
"""

from __future__ import annotations

import logging
import re
import threading
from typing import Any

_installed = threading.Lock()
_done = False
_FORMATTER = logging.Formatter()
# Only text that could hold a contact is worth the detector: digits, "@" or a link.
_MAYBE_CONTACT = re.compile(r"\d{3}|@|://|live:|\b(?:at|dot)\b|[^\x00-\x7f]", re.IGNORECASE)


# Timestamps Scrapy prints in its stats ("datetime.datetime(2026, 12, 4, 19, 9, 29 ...)")
# are left as they are: their numbers are no contact.
_DATETIME_REPR = re.compile(r"datetime\.datetime\([\d, ]*(?:tzinfo=[\w.]*)?\)")


def redact_text(text: str) -> str:
    """``text`` with every contact replaced by its kind token."""
    if not text or _MAYBE_CONTACT.search(text) is None:
        return text
    if "datetime.datetime(" in text:
        parts = _DATETIME_REPR.split(text)
        kept = _DATETIME_REPR.findall(text)
        out = [_redact(parts[0])]
        for stamp, part in zip(kept, parts[1:], strict=True):
            out.extend((stamp, _redact(part)))
        return "".join(out)
    return _redact(text)


def _redact(text: str) -> str:
    from pipelines.engine.contacts import extract_contacts

    found = extract_contacts(text, identifier=True)
    if not found:
        return text
    parts: list[str] = []
    position = 0
    for contact in found:
        parts.append(text[position : contact.start])
        parts.append(f"[{contact.kind}]")
        position = contact.end
    parts.append(text[position:])
    return "".join(parts)


def redact_record(record: logging.LogRecord) -> logging.LogRecord:
    """Redact a record in place: its message (arguments merged in) and exception text."""
    try:
        message = record.getMessage()
    except Exception:  # a bad format string: keep the template, drop the arguments
        message = str(record.msg)
    redacted = redact_text(message)
    if redacted != message or record.args:
        record.msg, record.args = redacted, None
    if record.exc_info and not record.exc_text:
        record.exc_text = redact_text(_FORMATTER.formatException(record.exc_info))
    elif record.exc_text:
        record.exc_text = redact_text(record.exc_text)
    if record.stack_info:
        record.stack_info = redact_text(record.stack_info)
    return record


class ContactRedactingFilter(logging.Filter):
    """The same redaction as a logging filter, for handlers set up outside lcom."""

    def filter(self, record: logging.LogRecord) -> bool:
        redact_record(record)
        return True


def reaches_a_handler(name: str, level: int) -> bool:
    """Whether a record of ``level`` from logger ``name`` would reach a handler.

    The walk of ``logging.Logger.callHandlers``: the logger's handlers, then its parents'
    while it propagates. A name that is no known logger, and a logger without any handler
    on the way (the logging module's last-resort handler then), count as reaching one.
    """
    logger: Any
    if name == "root":
        logger = logging.root
    else:
        logger = logging.Logger.manager.loggerDict.get(name)
        if not isinstance(logger, logging.Logger):
            return True
    found = False
    while logger is not None:
        for handler in logger.handlers:
            found = True
            if level >= handler.level:
                return True
        logger = logger.parent if logger.propagate else None
    return not found


def install() -> None:
    """Redact every log record from now on (idempotent)."""
    global _done
    with _installed:
        if _done:
            return
        make_record = logging.getLogRecordFactory()

        def redacting_factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
            record = make_record(*args, **kwargs)
            if not reaches_a_handler(record.name, record.levelno):
                return record
            return redact_record(record)

        logging.setLogRecordFactory(redacting_factory)
        _done = True

"""No log record holds a contact: the record factory redacts every level and every logger."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from crawler import logredact

URL = "http://127.0.0.1:8000/ad/anna-0612345678?mail=anna%40example.com"
SECRETS = ("0612345678", "612345678", "anna@example.com", "anna%40example.com")


@pytest.fixture(autouse=True)
def installed() -> None:
    logredact.install()


@pytest.mark.parametrize("level", [logging.DEBUG, logging.INFO, logging.WARNING, logging.ERROR])
def test_a_url_with_a_contact_is_redacted_at_every_level(
    caplog: pytest.LogCaptureFixture, level: int
) -> None:
    logger = logging.getLogger("scrapy.core.engine")
    with caplog.at_level(logging.DEBUG):
        logger.log(level, "Crawled (404) <GET %s> (referer: %s)", URL, "http://127.0.0.1:8000/")
        logger.log(level, "ad %(id)s", {"id": "anna-612345678"})
    assert "[phone]" in caplog.text and "[email]" in caplog.text
    assert not any(secret in caplog.text for secret in SECRETS), caplog.text
    assert "Crawled (404)" in caplog.text and "127.0.0.1:8000" in caplog.text


def test_an_exception_text_is_redacted(caplog: pytest.LogCaptureFixture) -> None:
    try:
        raise ValueError(f"cannot parse {URL}")
    except ValueError:
        logging.getLogger("lcom.test").exception("failed on telegram: @mira_x93")
    assert "ValueError" in caplog.text
    assert "mira_x93" not in caplog.text
    assert not any(secret in caplog.text for secret in SECRETS), caplog.text


def test_ordinary_log_lines_are_left_alone(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO):
        logging.getLogger("lcom.test").info(
            "run %s: 120 pages, 48213377 bytes, 2026-12-04 18:30:09", "20261204T183009Z-1a2b3c"
        )
    assert "20261204T183009Z-1a2b3c" in caplog.text
    assert "48213377 bytes" in caplog.text


def test_loading_lcom_settings_installs_the_redaction() -> None:
    import importlib

    import crawler.settings

    importlib.reload(crawler.settings)
    record = logging.getLogRecordFactory()("x", logging.INFO, __file__, 1, "GET %s", (URL,), None)
    assert "0612345678" not in record.getMessage()


@contextmanager
def quiet_logger() -> Iterator[logging.Logger]:
    """A logger whose only handler takes WARNING and above (like Scrapy's at INFO)."""
    logger = logging.getLogger("lcom.test.quiet")
    handler = logging.StreamHandler()
    handler.setLevel(logging.WARNING)
    saved = logger.handlers, logger.propagate
    # Only this handler (the test runner's capture handlers would take every level).
    logger.handlers, logger.propagate = [handler], False
    try:
        yield logger
    finally:
        logger.handlers, logger.propagate = saved


def made(logger: logging.Logger, level: int) -> logging.LogRecord:
    factory = logging.getLogRecordFactory()
    return factory(logger.name, level, __file__, 1, "GET %s", (URL,), None)


def test_a_record_below_every_handler_level_is_left_unread() -> None:
    with quiet_logger() as logger:
        record = made(logger, logging.DEBUG)
    assert record.args == (URL,)  # no handler will see it: no time spent redacting it


def test_a_record_a_handler_takes_is_redacted() -> None:
    with quiet_logger() as logger:
        assert not any(secret in made(logger, logging.WARNING).getMessage() for secret in SECRETS)
        logger.addHandler(logging.NullHandler())  # level 0: takes every record from now on
        assert not any(secret in made(logger, logging.DEBUG).getMessage() for secret in SECRETS)

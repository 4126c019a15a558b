"""The kill switch, and the clock that ends a run when its permit ends.

Every ``LCOM_KILL_SWITCH_INTERVAL`` seconds (default 1.0) while the spider
runs, this extension checks:

- the policy's kill switch (``policy.kill_switch_engaged_now()``: the
  ``engaged`` flag in ``bundle.yaml`` as it is on disk now, or the kill-switch
  file named there exists; a bundle that cannot be read counts as engaged)
  and the optional extra file ``LCOM_KILL_SWITCH_FILE``: engaged ⇒ the source
  is stopped, every further request is blocked (rule ``kill_switch``) and the
  spider closes with reason ``lcom_kill_switch``;
- the authorisation's status in ``authorisations.yaml`` as it is now: no
  longer ``active`` (revoked, suspended, removed, unreadable) ⇒ reason
  ``lcom_authorisation_withdrawn``;
- the authorisation: no longer valid ⇒ reason ``lcom_authorisation_expired``;
- the crawl hours: over ⇒ reason ``lcom_outside_hours``.

The guardrails middleware checks the last two on every request as well; the
loop makes a run stop on time even while no request is being made. A crawl
never starts with an engaged switch (``crawler/runtime.py`` refuses it).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scrapy import signals
from scrapy.utils.asyncio import create_looping_call

from crawler.middlewares.guardrails import RULES as STOP_RULES
from crawler.middlewares.guardrails import Guardrails, guardrails_for
from crawler.runtime import get_runtime
from legal_guardrails.policy import switch_file_present

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

DEFAULT_INTERVAL = 1.0


def extra_kill_switch_engaged(path: str | Path | None) -> bool:
    """The extra ``LCOM_KILL_SWITCH_FILE`` exists (or cannot be checked: fail closed)."""
    return switch_file_present(path)


class KillSwitch:
    """Extension: polls the kill switch and the permit's validity while the spider runs."""

    def __init__(
        self,
        guardrails: Guardrails,
        engaged: Callable[[], bool],
        interval: float = DEFAULT_INTERVAL,
        withdrawn: Callable[[], dict[str, str]] | None = None,
        shared_stop: Callable[[], tuple[str, str] | None] | None = None,
    ) -> None:
        self.guardrails = guardrails
        self.engaged = engaged
        self.interval = interval
        self.withdrawn = withdrawn
        self.shared_stop = shared_stop
        self._loop: Any = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> KillSwitch:
        runtime = get_runtime(crawler)
        extra_file = crawler.settings.get("LCOM_KILL_SWITCH_FILE") or None

        def engaged() -> bool:
            return runtime.policy.kill_switch_engaged_now() or extra_kill_switch_engaged(extra_file)

        def withdrawn() -> dict[str, str]:
            return runtime.policy.withdrawn_authorisations(runtime.permit.authorisation_ids)

        interval = crawler.settings.getfloat("LCOM_KILL_SWITCH_INTERVAL", DEFAULT_INTERVAL)
        if interval <= 0:
            raise ValueError("LCOM_KILL_SWITCH_INTERVAL must be a positive number of seconds")
        frontier = getattr(crawler, "lcom_frontier", None)
        shared_stop = frontier.stop_requested if frontier is not None else None
        ext = cls(guardrails_for(crawler), engaged, interval, withdrawn, shared_stop)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def check(self) -> str | None:
        """Stop the source if it must stop now; the rule that stopped it, or None."""
        if self.guardrails.stopped is not None:
            return self.guardrails.stopped.rule
        try:
            engaged = self.engaged()
        except Exception:
            logger.error("kill-switch check failed; treating as engaged", exc_info=True)
            engaged = True
        if engaged:
            self.guardrails.stop("kill_switch")
            return "kill_switch"
        if self.withdrawn is not None:
            try:
                withdrawn = self.withdrawn()
            except Exception:
                logger.error("authorisation check failed; treating as withdrawn", exc_info=True)
                withdrawn = {"?": "unreadable"}
            if withdrawn:
                logger.warning(
                    "authorisation %s is no longer active",
                    ", ".join(f"{key} ({value})" for key, value in sorted(withdrawn.items())),
                )
                self.guardrails.stop("authorisation_withdrawn")
                return "authorisation_withdrawn"
        rule = self.guardrails.check_time()
        if rule is None and self.shared_stop is not None:
            rule = self.check_shared_stop()
        return rule

    def check_shared_stop(self) -> str | None:
        """Another worker of the run stopped the source: stop here too."""
        from crawler.frontier import REDIS_DOWN

        assert self.shared_stop is not None
        try:
            requested = self.shared_stop()
        except REDIS_DOWN:
            return None  # the worker pauses on its own; its local checks keep running
        if requested is None:
            return None
        rule, reason = requested
        logger.warning("another worker stopped the source (%s): stopping here too", rule)
        self.guardrails.stop(rule if rule in STOP_RULES else "kill_switch", reason)
        return rule

    def spider_opened(self, **kwargs: Any) -> None:
        self._loop = create_looping_call(self.check)
        self._loop.start(self.interval, now=True)

    def spider_closed(self, **kwargs: Any) -> None:
        if self._loop is not None and self._loop.running:
            self._loop.stop()
        self._loop = None

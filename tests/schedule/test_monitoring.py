"""Run monitoring: each check raises its alert, and alerts reach a webhook and a mailbox."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from crawler import monitoring
from crawler.monitoring import (
    Alert,
    MonitoringConfig,
    MonitoringConfigError,
    RunFacts,
    Thresholds,
    check_authorisation,
    check_run,
    check_spool,
    load_config,
)
from tests.support.alert_receivers import Mailbox, WebhookReceiver

LIMITS = Thresholds()


def facts(**changes: object) -> RunFacts:
    values: dict[str, object] = {
        "source": "demo",
        "run_id": "r1",
        "finish_reason": "finished",
        "elapsed_seconds": 60.0,
        "ads_seen": 40,
        "ad_pages": 40,
        "incomplete_ads": 0,
        "responses": 50,
        "failed_pages": 0,
        "site_blocks": 0,
    }
    values.update(changes)
    return RunFacts(**values)  # type: ignore[arg-type]


def names(alerts: list[Alert]) -> list[str]:
    return [a.alert for a in alerts]


def test_a_normal_run_raises_no_alert() -> None:
    assert check_run(facts(), [facts(), facts()], LIMITS) == []


def test_zero_ads_from_a_source_that_had_ads_is_an_alert() -> None:
    alerts = check_run(facts(ads_seen=0, ad_pages=0), [facts(ads_seen=12)], LIMITS)
    assert names(alerts) == ["zero_items"]
    assert "layout" in alerts[0].message


def test_zero_ads_on_a_first_run_or_a_stopped_run_is_not_a_layout_alert() -> None:
    assert check_run(facts(ads_seen=0, ad_pages=0), [], LIMITS) == []
    stopped = facts(ads_seen=0, ad_pages=0, finish_reason="lcom_kill_switch")
    assert check_run(stopped, [facts()], LIMITS) == []


def test_one_workers_share_of_a_run_is_judged_by_its_rates_not_by_its_ad_count() -> None:
    history = [facts(ads_seen=12)] * LIMITS.min_history_for_duration
    empty_and_long = facts(ads_seen=0, ad_pages=0, elapsed_seconds=100_000.0)
    assert check_run(empty_and_long, history, LIMITS, whole_run=False) == []
    assert names(check_run(empty_and_long, history, LIMITS)) == ["zero_items", "long_run"]
    failing = facts(failed_pages=15)
    assert names(check_run(failing, history, LIMITS, whole_run=False)) == ["error_rate"]


def test_ads_without_title_or_text_above_the_threshold_are_an_alert() -> None:
    assert names(check_run(facts(incomplete_ads=12, ad_pages=40), [], LIMITS)) == ["incomplete_ads"]
    assert check_run(facts(incomplete_ads=8, ad_pages=40), [], LIMITS) == []
    assert check_run(facts(incomplete_ads=3, ad_pages=3), [], LIMITS) == []  # too few to judge


def test_error_and_block_rates_above_the_threshold_are_alerts() -> None:
    assert names(check_run(facts(failed_pages=15), [], LIMITS)) == ["error_rate"]
    assert names(
        check_run(facts(site_blocks=1, finish_reason="lcom_stop_status_403"), [], LIMITS)
    ) == ["block_rate"]
    lenient = Thresholds(block_rate=0.5)
    assert check_run(facts(site_blocks=1), [], lenient) == []


def test_a_run_far_longer_than_usual_is_an_alert() -> None:
    usual = [facts(elapsed_seconds=200.0) for _ in range(3)]
    assert names(check_run(facts(elapsed_seconds=700.0), usual, LIMITS)) == ["long_run"]
    assert check_run(facts(elapsed_seconds=500.0), usual, LIMITS) == []
    assert check_run(facts(elapsed_seconds=700.0), usual[:2], LIMITS) == []  # too little history


def test_an_authorisation_ending_within_the_warning_period_is_an_alert() -> None:
    now = datetime(2026, 12, 4, tzinfo=UTC)
    assert check_authorisation("demo", now + timedelta(days=40), now, 30) == []
    alerts = check_authorisation("demo", now + timedelta(days=3), now, 30)
    assert names(alerts) == ["authorisation_expiring"]
    assert "renewed" in alerts[0].message


def test_a_growing_spool_with_elasticsearch_configured_is_an_alert() -> None:
    assert names(check_spool(12, 5, True, LIMITS)) == ["spool_growing"]
    assert check_spool(12, 12, True, LIMITS) == []
    assert check_spool(5000, None, False, LIMITS) == []  # no Elasticsearch: the spool is the store
    assert names(check_spool(5000, None, True, LIMITS)) == ["spool_growing"]


def test_thresholds_come_from_yaml_and_a_bad_field_is_named(tmp_path: Path) -> None:
    path = tmp_path / "monitoring.yaml"
    path.write_text(
        "thresholds:\n  error_rate: 0.5\nnotify:\n  webhook:\n    url: http://127.0.0.1:9/x\n"
    )
    config = load_config(path)
    assert config.thresholds.error_rate == 0.5
    assert config.thresholds.incomplete_ads_ratio == 0.2  # the default
    path.write_text("thresholds:\n  eror_rate: 0.5\n")
    with pytest.raises(MonitoringConfigError, match=r"monitoring.yaml: thresholds.eror_rate"):
        load_config(path)


def test_the_bundled_example_config_loads() -> None:
    config = load_config(Path("deploy/monitoring.yaml"))
    assert config.notify.webhook is not None and config.notify.smtp is not None


def test_alerts_are_audited_and_sent_to_the_webhook_and_by_mail(tmp_path: Path) -> None:
    alert = Alert("zero_items", "demo", "source demo: no ads found", 0, 12, "r2")
    audit = tmp_path / "audit.jsonl"
    with WebhookReceiver() as hook, Mailbox() as mailbox:
        config = MonitoringConfig.model_validate(
            {
                "notify": {
                    "webhook": {"url": hook.url},
                    "smtp": {
                        "host": "127.0.0.1",
                        "port": mailbox.port,
                        "from": "lcom@example.org",
                        "to": ["ops@example.org"],
                    },
                }
            }
        )
        monitoring.raise_alerts([alert], config, audit)
    assert [a["alert"] for a in hook.alerts()] == ["zero_items"]
    assert hook.alerts()[0]["run_id"] == "r2"
    assert len(mailbox.messages) == 1
    assert mailbox.messages[0].rcpt_tos == ["ops@example.org"]
    assert b"[zero_items]" in mailbox.messages[0].content
    record = json.loads(audit.read_text().splitlines()[-1])
    assert record["kind"] == "alert" and record["alert"] == "zero_items"


def test_an_unreachable_webhook_is_reported_not_raised(tmp_path: Path) -> None:
    from tests.support.alert_receivers import free_port

    config = MonitoringConfig.model_validate(
        {"notify": {"webhook": {"url": f"http://127.0.0.1:{free_port()}/x", "timeout": 2}}}
    )
    failures = monitoring.notify([Alert("zero_items", "demo", "m")], config.notify)
    assert failures and failures[0].startswith("webhook:")

"""The scripted upsert that stores one observation of a hit, and its reference semantics.

Every hit is written with one bulk ``update`` action whose ``_id`` is the hit's
``doc_id``, ``scripted_upsert: true``, an empty ``upsert`` and :data:`HIT_UPSERT_SCRIPT`.
So a re-crawl updates the stored document instead of adding a second one, and
sending the same observation twice (a spool replay after a crash) changes nothing.

:func:`emulate_hit_upsert` is the same logic in Python. It is the reference the ES
wire-protocol test server (``tests/support/es_test_server.py``) executes when it
receives this exact script source; the real-cluster tests (``ELASTICSEARCH_URL``) run
the Painless original against the same assertions. Change both together.

Rules, in order:

1. ``params.carry`` (only set when a document moves from a rolled-over index into the
   write index) seeds a new document with the stored state of its previous copy.
2. A new document gets the observation, ``first_seen`` (the observation's own
   ``first_seen``, else its ``last_seen``), ``seen_count = 1`` and ``params.review``.
3. An existing document whose stored ``last_seen`` is at or after the observation's
   ``last_seen`` is left alone (``noop``): replaying an observation is idempotent.
4. Otherwise the content fields are replaced by the observation's, ``first_seen`` is
   kept, and ``review`` is kept exactly as stored (an observation never sets, changes
   or removes it). ``seen_count`` counts crawl RUNS that saw the ad: it goes up by one
   only when the observation's ``run_id`` differs from the stored one, so a run that
   is killed and resumed (same run id, pages fetched again) does not count twice.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

#: Painless source of the upsert. Timestamps are compared as instants, not strings,
#: so ``...:00Z`` and ``...:00.000+00:00`` are the same moment.
HIT_UPSERT_SCRIPT = """\
def d = params.doc;
if (ctx._source.last_seen == null && params.carry != null) {
  ctx._source.putAll(params.carry);
}
if (ctx._source.last_seen == null) {
  ctx._source.putAll(d);
  ctx._source.first_seen = d.first_seen != null ? d.first_seen : d.last_seen;
  ctx._source.seen_count = 1;
  ctx._source.review = params.review;
} else {
  long stored = ZonedDateTime.parse(ctx._source.last_seen).toInstant().toEpochMilli();
  long observed = ZonedDateTime.parse(d.last_seen).toInstant().toEpochMilli();
  if (observed <= stored) {
    ctx.op = 'noop';
  } else {
    def first = ctx._source.first_seen;
    def review = ctx._source.review;
    def count = ctx._source.seen_count;
    def storedRun = ctx._source.run_id;
    ctx._source.clear();
    ctx._source.putAll(d);
    ctx._source.first_seen = first != null ? first : d.last_seen;
    ctx._source.seen_count = (count != null ? (int) count : 0)
        + ((storedRun != null && storedRun == d.run_id) ? 0 : 1);
    ctx._source.remove('review');
    if (review != null) {
      ctx._source.review = review;
    }
  }
}
"""

#: Review state a hit starts in (``review`` of a new document).
INITIAL_REVIEW: dict[str, Any] = {"state": "new"}


def _instant(value: str) -> datetime:
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        # ZonedDateTime.parse refuses a timestamp without zone; so do we.
        raise ValueError(f"timestamp without zone: {value!r}")
    return parsed.astimezone(UTC)


def emulate_hit_upsert(
    stored: dict[str, Any] | None, params: dict[str, Any]
) -> tuple[dict[str, Any] | None, str]:
    """Apply :data:`HIT_UPSERT_SCRIPT` to ``stored`` (``None`` when the id is new).

    Returns ``(new_source, result)`` with ``result`` one of ``"created"``,
    ``"updated"`` or ``"noop"`` (then ``new_source`` is the unchanged ``stored``), the
    values of ``result`` in an Elasticsearch bulk ``update`` response.
    """
    doc = params["doc"]
    is_new = stored is None
    source: dict[str, Any] = {} if stored is None else copy.deepcopy(stored)
    if source.get("last_seen") is None and params.get("carry") is not None:
        source.update(copy.deepcopy(params["carry"]))
    if source.get("last_seen") is None:
        source.update(copy.deepcopy(doc))
        source["first_seen"] = (
            doc.get("first_seen") if doc.get("first_seen") is not None else doc.get("last_seen")
        )
        source["seen_count"] = 1
        source["review"] = copy.deepcopy(params.get("review"))
        return source, "created" if is_new else "updated"
    if _instant(doc["last_seen"]) <= _instant(source["last_seen"]):
        if is_new:
            # A carried copy that is not older than the observation: Painless sets
            # ctx.op = 'noop' and nothing is created.
            return None, "noop"
        return stored, "noop"
    first = source.get("first_seen")
    review = source.get("review")
    count = source.get("seen_count")
    stored_run = source.get("run_id")
    source = copy.deepcopy(doc)
    source["first_seen"] = first if first is not None else doc["last_seen"]
    same_run = stored_run is not None and stored_run == doc.get("run_id")
    source["seen_count"] = (int(count) if count is not None else 0) + (0 if same_run else 1)
    source.pop("review", None)
    if review is not None:
        source["review"] = review
    return source, "created" if is_new else "updated"


def upsert_params(doc: dict[str, Any], carry: dict[str, Any] | None = None) -> dict[str, Any]:
    """The ``script.params`` for one observation (``review`` never comes from ``doc``)."""
    observation = {k: v for k, v in doc.items() if k != "review"}
    params: dict[str, Any] = {"doc": observation, "review": dict(INITIAL_REVIEW)}
    if isinstance(doc.get("review"), dict) and doc["review"].get("state"):
        # The minimisation step may set the initial state; only a new document uses it.
        params["review"] = dict(doc["review"])
    if carry is not None:
        params["carry"] = carry
    return params

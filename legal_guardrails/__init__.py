"""Legal guardrails: the policy that limits what the crawler may do, and its checks.

Legal staff write the policy as a folder of YAML files (see README.md in this package).
This package reads and checks it and answers the crawler's questions; it does not import
Scrapy. Typical use::

    policy = load_policy(path)                 # PolicyValidationError unless clean
    permit = policy.permit_for("demo")         # NotAuthorisedError unless authorised now
    permit.check_url(url).allowed
"""

from __future__ import annotations

from legal_guardrails.diff import Change, diff_policies
from legal_guardrails.errors import GuardrailError, NotAuthorisedError, PolicyValidationError
from legal_guardrails.explain import explain_source
from legal_guardrails.loader import (
    DEMO_POLICY_DIR,
    POLICY_DIR_ENV,
    check_policy,
    default_policy_dir,
    load_policy,
    read_policy_unchecked,
)
from legal_guardrails.model import DataPolicy, RetentionDays
from legal_guardrails.permit import Decision, SourcePermit
from legal_guardrails.policy import Policy
from legal_guardrails.problems import CheckResult, Problem

__all__ = [
    "DEMO_POLICY_DIR",
    "POLICY_DIR_ENV",
    "Change",
    "CheckResult",
    "DataPolicy",
    "Decision",
    "GuardrailError",
    "NotAuthorisedError",
    "Policy",
    "PolicyValidationError",
    "Problem",
    "RetentionDays",
    "SourcePermit",
    "check_policy",
    "default_policy_dir",
    "diff_policies",
    "explain_source",
    "load_policy",
    "read_policy_unchecked",
]

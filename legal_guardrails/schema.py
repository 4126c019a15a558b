"""The JSON Schema of the policy files, generated from the model.

YAML editors (through ``# yaml-language-server: $schema=...``) use it to complete field
names and flag mistakes while a lawyer types. The file in the package must equal what
the model generates; ``lcom guardrails schema --check`` (and a test) make sure it does.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from legal_guardrails.model import FILE_MODELS, Source

SCHEMA_PATH = Path(__file__).resolve().parent / "policy.schema.json"


def policy_schema() -> dict[str, Any]:
    """One schema that accepts any of the policy files (each matches exactly one branch)."""
    models: list[type[BaseModel]] = [*FILE_MODELS.values(), Source]
    refs, schema = models_json_schema(
        [(model, "validation") for model in models],
        title="lcom legal guardrails policy file",
    )
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["description"] = (
        "A file of an lcom policy folder: bundle.yaml, legal_bases.yaml, authorisations.yaml, "
        "data_policy.yaml or sources/<id>.yaml. See legal_guardrails/README.md."
    )
    schema["anyOf"] = [refs[(model, "validation")] for model in models]
    return schema


def render_schema() -> str:
    return json.dumps(policy_schema(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def write_schema(path: Path = SCHEMA_PATH) -> Path:
    path.write_text(render_schema(), encoding="utf-8")
    return path


def schema_is_current(path: Path = SCHEMA_PATH) -> bool:
    """True when the file at ``path`` equals what the model generates."""
    try:
        return path.read_text(encoding="utf-8") == render_schema()
    except OSError:
        return False

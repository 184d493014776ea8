"""The contract's OpenAPI document as the contract tests read it (tests/integration/test_contract.py against
the reference service, test_gateway_contract.py against the gateway): the spec, a schema validator, and the
schemathesis configurations of what counts as an accepted answer."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema_rs
from schemathesis.config import SchemathesisConfig

SPEC_PATH = Path(__file__).parents[2] / "console" / "service" / "openapi.json"
SPEC: dict[str, Any] = json.loads(SPEC_PATH.read_text(encoding="utf-8"))


def validator(name: str) -> Any:
    root = {"$ref": f"#/components/schemas/{name}", "components": SPEC["components"]}
    return jsonschema_rs.Draft202012Validator(root, validate_formats=True)


def assert_valid(name: str, doc: Any) -> None:
    errors = [f"{e.instance_path}: {e.message}" for e in validator(name).iter_errors(doc)]
    assert errors == [], f"{name}: {errors[:5]}"


# The spec is loaded from the file (the same bytes every implementation serves, checked by each contract
# test); the lazy from_fixture loader
# does not work with pytest 9 (schemathesis 4.32 reads a private node attribute).
# An unknown cursor is well formed yet gets 410 Gone (the contract), so 410 counts as an accepted answer.
CONFIG = SchemathesisConfig.from_dict(
    {"checks": {"positive_data_acceptance": {"expected-statuses": ["2xx", "401", "403", "404", "410"]}}}
)

# A well-formed move can still be refused by routing (422), by a stale or missing version (409, 412):
# those are business answers the schema cannot express, so they count as accepted here.
BUSINESS = SchemathesisConfig.from_dict(
    {
        "checks": {
            "positive_data_acceptance": {
                "expected-statuses": ["2xx", "401", "403", "404", "409", "412", "422"]
            },
            # If-Match is required (docs/api.md): without it the contract's answer is 412, not 400.
            "missing_required_header": {"expected-statuses": ["400", "401", "403", "412", "422"]},
            "negative_data_rejection": {
                "expected-statuses": ["400", "401", "403", "404", "405", "409", "412", "422", "429", "5xx"]
            },
        }
    }
)

"""The project's description of Chatwoot's API against the stand-in: schemathesis fuzzes every described
operation (bounded) and checks each answer against the description, so the stand-in the connector is
tested with serves exactly the shapes the description gives, and refuses requests it does not allow."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig

from console.gateway.chatwoot.spec import document
from tests.helpers.chatwoot_rest import TOKEN
from tests.helpers.chatwoot_standin import ChatwootStandin
from tests.helpers.chatwoot_world import seed

# Ids the fuzzer makes up mostly meet 404, a refused assignment 422: answers the schema cannot express.
CONFIG = SchemathesisConfig.from_dict(
    {
        "checks": {
            "positive_data_acceptance": {"expected-statuses": ["2xx", "404", "422"]},
            "negative_data_rejection": {"expected-statuses": ["400", "401", "404", "422"]},
        }
    }
)
schema = schemathesis.openapi.from_dict(document(), config=CONFIG)


@pytest.fixture(scope="module")
def seeded_standin() -> Iterator[ChatwootStandin]:
    standin = ChatwootStandin(seed=5).start()
    inboxes: dict[str, int] = {}
    seed(standin, inboxes, {}, {})
    for i in range(30):
        standin.create_conversation(inboxes["x"], f"c{i}", "hello", kind="tweet")
    yield standin
    standin.stop()


def test_the_description_is_openapi_3_1_and_the_stand_in_serves_all_of_it() -> None:
    doc = document()
    assert doc["openapi"] == "3.1.0"
    operations = [
        op["operationId"] for item in doc["paths"].values() for m, op in item.items() if m != "parameters"
    ]
    assert len(operations) == 12 and all(hasattr(ChatwootStandin, f"op_{o}") for o in operations)
    assert set(doc["webhooks"]) == {
        "conversation_created",
        "conversation_updated",
        "conversation_status_changed",
        "message_created",
        "message_updated",
    }
    assert doc["components"]["securitySchemes"]["userApiKey"]["name"] == "api_access_token"


@schema.parametrize()
@settings(max_examples=6, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_fuzz_the_stand_in_against_the_description(case: Any, seeded_standin: ChatwootStandin) -> None:
    headers = {}
    if case.meta is None or not case.meta.generation.mode.is_negative:
        # a valid request meets the one account and carries the token; a negative one stays as made
        case.path_parameters["account_id"] = seeded_standin.account_id
        headers = {"api_access_token": TOKEN}
    case.call_and_validate(base_url=seeded_standin.url, headers=headers)
    seeded_standin.invalid.clear()  # malformed requests are the fuzzer's point: the stand-in refused them

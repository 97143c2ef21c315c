"""Header hygiene, checked on what the fake upstream actually received."""

from __future__ import annotations

import anthropic
import openai
import pytest

from harness import ANTHROPIC_UPSTREAM_KEY, CLIENT_KEY, OPENAI_UPSTREAM_KEY, http_json


def assert_no_client_key(req) -> None:
    for name, values in req["hdrs"].items():
        for v in values:
            assert CLIENT_KEY not in v, f"client key leaked upstream in header {name!r}"
    assert CLIENT_KEY not in (req.get("body") or ""), "client key leaked upstream in the body"
    assert CLIENT_KEY not in (req.get("query") or ""), "client key leaked upstream in the query"


@pytest.mark.parametrize("style", ["bearer", "x-api-key"])
def test_anthropic_headers_and_query(stack, style):
    headers = {
        "anthropic-beta": "claude-code-20250219,interleaved-thinking-2025-05-14",
        "x-claude-code-session-id": "e2e-session-1234",
        "x-app": "cli",
    }
    if style == "x-api-key":
        headers.update({"X-Api-Key": CLIENT_KEY, "Authorization": anthropic.Omit()})
        auth = {}
    else:
        auth = {"api_key": CLIENT_KEY}
    c = anthropic.Anthropic(base_url=stack.relay.url + "/api", timeout=30.0, max_retries=0,
                            default_headers=headers, **auth)
    c.messages.create(model="claude-sonnet-5", max_tokens=16, messages=[{"role": "user", "content": "hi"}],
                      extra_query={"beta": "true"})
    (req,) = stack.fake.api_requests("/v1/messages")
    h = req["hdrs"]
    assert req["path"] == "/v1/messages"
    assert "beta=true" in req["query"].split("&")
    assert h["x-api-key"] == [ANTHROPIC_UPSTREAM_KEY]
    assert "authorization" not in h
    assert h["anthropic-beta"] == ["claude-code-20250219,interleaved-thinking-2025-05-14"]
    assert h["x-claude-code-session-id"] == ["e2e-session-1234"]
    assert h["x-app"] == ["cli"]
    # passed through as the SDK sent it (2.14 sends a newer date than 2023-06-01)
    assert h["anthropic-version"] == [c.default_headers["anthropic-version"]]
    assert_no_client_key(req)


def test_count_tokens_query_and_auth(stack):
    status, body, _ = http_json(
        "POST", stack.relay.url + "/api/v1/messages/count_tokens?beta=true",
        body={"model": "claude-sonnet-5", "messages": [{"role": "user", "content": "hi"}]},
        headers={"authorization": f"Bearer {CLIENT_KEY}", "anthropic-version": "2023-06-01",
                 "anthropic-beta": "token-counting-2024-11-01"},
    )
    assert status == 200, body
    assert body["input_tokens"] == 42
    (req,) = stack.fake.api_requests("/v1/messages/count_tokens")
    assert req["query"] == "beta=true"
    assert req["hdrs"]["x-api-key"] == [ANTHROPIC_UPSTREAM_KEY]
    assert req["hdrs"]["anthropic-beta"] == ["token-counting-2024-11-01"]
    assert req["hdrs"]["anthropic-version"] == ["2023-06-01"]
    assert_no_client_key(req)


def test_openai_headers(stack):
    passthrough = {
        "session_id": "e2e-sess-underscore",
        "session-id": "e2e-sess-dash",
        "thread-id": "e2e-thread",
        "x-codex-turn-state": "opaque-turn-state-abc",
        "x-codex-turn-metadata": '{"turn_id":"t1"}',
        "originator": "codex_exec",
        "x-client-request-id": "e2e-req-1",
    }
    c = openai.OpenAI(base_url=stack.relay.url + "/openai", api_key=CLIENT_KEY, timeout=30.0, max_retries=0)
    c.responses.create(model="gpt-5.5", input="hi", extra_headers=passthrough)
    (req,) = stack.fake.api_requests("/responses")
    h = req["hdrs"]
    assert h["authorization"] == [f"Bearer {OPENAI_UPSTREAM_KEY}"]
    assert "x-api-key" not in h
    for name, value in passthrough.items():
        assert h.get(name) == [value], f"header {name} not passed through: {h.get(name)!r}"
    assert_no_client_key(req)


def test_openai_client_key_in_x_api_key_not_forwarded(stack):
    status, body, _ = http_json(
        "POST", stack.relay.url + "/openai/responses", body={"model": "gpt-5.5", "input": "hi"},
        headers={"x-api-key": CLIENT_KEY},
    )
    assert status == 200, body
    (req,) = stack.fake.api_requests("/responses")
    assert req["hdrs"]["authorization"] == [f"Bearer {OPENAI_UPSTREAM_KEY}"]
    assert "x-api-key" not in req["hdrs"]
    assert_no_client_key(req)

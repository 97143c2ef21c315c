"""The official openai SDK (Responses API) through the relay's OpenAI routes."""

from __future__ import annotations

import json

import openai
import pytest

from harness import CLIENT_KEY, OPENAI_UPSTREAM_KEY, RESPONSES_USAGE, TOOL_MARKER, WRONG_KEY

MODEL = "gpt-5.5"
SHELL_TOOL = {
    "type": "function",
    "name": "shell",
    "description": "Run a shell command",
    "parameters": {
        "type": "object",
        "properties": {"command": {"type": "array", "items": {"type": "string"}}},
        "required": ["command"],
    },
}


def client(relay, prefix: str = "/openai", key: str = CLIENT_KEY) -> openai.OpenAI:
    return openai.OpenAI(base_url=relay.url + prefix, api_key=key, timeout=30.0, max_retries=0)


def assert_usage(usage, n: int = 1) -> None:
    got = {
        "input_tokens": usage.input_tokens,
        "cached_tokens": usage.input_tokens_details.cached_tokens,
        "output_tokens": usage.output_tokens,
        "reasoning_tokens": usage.output_tokens_details.reasoning_tokens,
        "total_tokens": usage.total_tokens,
    }
    assert got == {k: v * n for k, v in RESPONSES_USAGE.items()}


@pytest.mark.parametrize("prefix", ["/openai", "/openai/v1", "/v1"])
def test_responses_create_non_stream(stack, prefix):
    resp = client(stack.relay, prefix).responses.create(model=MODEL, input="Say hello")
    assert resp.output_text == "Hello from FakeUpstream."
    assert resp.status == "completed"
    assert_usage(resp.usage)
    reqs = stack.fake.api_requests("/responses")
    assert len(reqs) == 1
    assert reqs[0]["path"] == "/v1/responses"
    assert reqs[0]["json"]["input"] == "Say hello"


def test_responses_stream(stack):
    c = client(stack.relay)
    types = []
    completed = None
    text = ""
    stream = c.responses.create(model=MODEL, input="Say hello", stream=True)
    with stream:
        for event in stream:
            types.append(event.type)
            if event.type == "response.output_text.delta":
                text += event.delta
            if event.type == "response.completed":
                completed = event.response
    assert types[0] == "response.created"
    assert types[-1] == "response.completed"
    assert text == "Hello from FakeUpstream."
    assert completed is not None and completed.output_text == "Hello from FakeUpstream."
    assert_usage(completed.usage)
    reqs = stack.fake.api_requests("/responses")
    assert len(reqs) == 1 and reqs[0]["json"].get("stream") is True


def test_function_call_round_trip(stack):
    c = client(stack.relay)
    history: list = [{"role": "user", "content": "run echo in the shell"}]
    first = c.responses.create(model=MODEL, input=history, tools=[SHELL_TOOL])
    calls = [item for item in first.output if item.type == "function_call"]
    assert len(calls) == 1 and calls[0].name == "shell"
    assert f"echo {TOOL_MARKER}" in json.dumps(json.loads(calls[0].arguments))

    history += [
        {"type": "function_call", "call_id": calls[0].call_id, "name": calls[0].name, "arguments": calls[0].arguments},
        {"type": "function_call_output", "call_id": calls[0].call_id, "output": TOOL_MARKER},
    ]
    text = ""
    with c.responses.create(model=MODEL, input=history, tools=[SHELL_TOOL], stream=True) as stream:
        for event in stream:
            if event.type == "response.output_text.delta":
                text += event.delta
    assert text == f"Tool said: {TOOL_MARKER}"
    reqs = stack.fake.api_requests("/responses")
    assert len(reqs) == 2
    outputs = [i for i in reqs[1]["json"]["input"] if isinstance(i, dict) and i.get("type") == "function_call_output"]
    assert outputs and TOOL_MARKER in str(outputs[-1]["output"])


def test_upstream_gets_bearer_with_pool_key(stack):
    client(stack.relay).responses.create(model=MODEL, input="hi")
    (req,) = stack.fake.api_requests("/responses")
    assert req["hdrs"]["authorization"] == [f"Bearer {OPENAI_UPSTREAM_KEY}"]
    assert "x-api-key" not in req["hdrs"]


def test_x_api_key_also_accepted_on_openai_route(stack):
    c = openai.OpenAI(base_url=stack.relay.url + "/openai", api_key="unused", timeout=30.0, max_retries=0)
    resp = c.responses.create(model=MODEL, input="hi",
                              extra_headers={"Authorization": openai.Omit(), "x-api-key": CLIENT_KEY})
    assert resp.output_text == "Hello from FakeUpstream."


@pytest.mark.parametrize("prefix", ["/openai", "/openai/v1"])
def test_wrong_key_is_401_in_openai_shape(stack, prefix):
    with pytest.raises(openai.AuthenticationError) as info:
        client(stack.relay, prefix, key=WRONG_KEY).responses.create(model=MODEL, input="hi")
    err = info.value
    assert err.status_code == 401
    body = err.response.json()
    assert set(body) == {"error"}
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    assert isinstance(body["error"]["type"], str) and body["error"]["type"]
    assert WRONG_KEY not in err.response.text
    assert all(WRONG_KEY not in v for v in err.response.headers.values())
    assert stack.fake.api_requests("/responses") == [], "a request with a wrong key reached the upstream"

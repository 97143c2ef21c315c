"""The official anthropic SDK through the relay's Anthropic routes."""

from __future__ import annotations

import anthropic
import pytest

from harness import ANTHROPIC_USAGE, CLIENT_KEY, TOOL_MARKER, WRONG_KEY, http_json

MODEL = "claude-sonnet-5"
BASH_TOOL = {
    "name": "Bash",
    "description": "Run a shell command",
    "input_schema": {
        "type": "object",
        "properties": {"command": {"type": "string"}, "description": {"type": "string"}},
        "required": ["command"],
    },
}


def client(relay, prefix: str = "/api", style: str = "api_key", key: str = CLIENT_KEY) -> anthropic.Anthropic:
    """An SDK client authenticating in one of three ways.

    anthropic 2.14 sends `Authorization: Bearer` for both `api_key` and `auth_token`;
    the `x-api-key` header (what Claude Code sends with ANTHROPIC_API_KEY) is set by hand.
    """
    kw = dict(base_url=relay.url + prefix, timeout=30.0, max_retries=0)
    if style == "x-api-key":
        return anthropic.Anthropic(**kw, default_headers={"X-Api-Key": key, "Authorization": anthropic.Omit()})
    return anthropic.Anthropic(**kw, **{style: key})


def assert_usage(usage, n: int = 1) -> None:
    got = {k: getattr(usage, k) for k in ANTHROPIC_USAGE}
    assert got == {k: v * n for k, v in ANTHROPIC_USAGE.items()}


def text_of(message) -> str:
    return "".join(b.text for b in message.content if b.type == "text")


@pytest.mark.parametrize("prefix", ["/api", ""])
def test_messages_create_non_stream(stack, prefix):
    msg = client(stack.relay, prefix).messages.create(
        model=MODEL, max_tokens=64, messages=[{"role": "user", "content": "Say hello"}]
    )
    assert text_of(msg) == "Hello from FakeUpstream."
    assert msg.stop_reason == "end_turn"
    assert_usage(msg.usage)
    reqs = stack.fake.api_requests("/v1/messages")
    assert len(reqs) == 1
    assert reqs[0]["path"] == "/v1/messages"
    assert reqs[0]["json"]["messages"] == [{"role": "user", "content": "Say hello"}]


def test_messages_stream(stack):
    c = client(stack.relay)
    events = []
    with c.messages.stream(model=MODEL, max_tokens=64, messages=[{"role": "user", "content": "Say hello"}]) as stream:
        for event in stream:
            events.append(event.type)
        final = stream.get_final_message()
    assert events[0] == "message_start"
    assert "content_block_delta" in events
    assert events[-1] == "message_stop"
    assert text_of(final) == "Hello from FakeUpstream."
    assert_usage(final.usage)
    reqs = stack.fake.api_requests("/v1/messages")
    assert len(reqs) == 1 and reqs[0]["json"].get("stream") is True


def test_count_tokens(stack):
    result = client(stack.relay).messages.count_tokens(model=MODEL, messages=[{"role": "user", "content": "count me"}])
    assert result.input_tokens == 42
    reqs = stack.fake.api_requests("/v1/messages/count_tokens")
    assert len(reqs) == 1


def test_tool_use_round_trip(stack):
    c = client(stack.relay)
    history = [{"role": "user", "content": "run echo via Bash"}]
    first = c.messages.create(model=MODEL, max_tokens=256, tools=[BASH_TOOL], messages=history)
    assert first.stop_reason == "tool_use"
    calls = [b for b in first.content if b.type == "tool_use"]
    assert len(calls) == 1 and calls[0].name == "Bash"
    assert calls[0].input["command"] == f"echo {TOOL_MARKER}"

    history += [
        {"role": "assistant", "content": [b.model_dump(exclude_none=True) for b in first.content]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": calls[0].id, "content": TOOL_MARKER}]},
    ]
    with c.messages.stream(model=MODEL, max_tokens=256, tools=[BASH_TOOL], messages=history) as stream:
        second = stream.get_final_message()
    assert text_of(second) == f"Tool said: {TOOL_MARKER}"
    reqs = stack.fake.api_requests("/v1/messages")
    assert len(reqs) == 2
    last_user = reqs[1]["json"]["messages"][-1]
    assert last_user["content"][0]["type"] == "tool_result"
    assert TOOL_MARKER in str(last_user["content"][0]["content"])


AUTH_STYLES = ["api_key", "auth_token", "x-api-key"]


@pytest.mark.parametrize("style", AUTH_STYLES)
def test_client_auth_styles(stack, style):
    c = client(stack.relay, style=style)
    sent = {k.lower(): v for k, v in c.default_headers.items() if isinstance(v, str)}
    if style == "x-api-key":
        assert sent.get("x-api-key") == CLIENT_KEY and "authorization" not in sent
    else:
        assert sent.get("authorization") == f"Bearer {CLIENT_KEY}" and "x-api-key" not in sent
    msg = c.messages.create(
        model=MODEL, max_tokens=16, messages=[{"role": "user", "content": "hi"}]
    )
    assert text_of(msg) == "Hello from FakeUpstream."
    (req,) = stack.fake.api_requests("/v1/messages")
    # whichever way the client authenticated, the upstream gets the pool's own credentials
    assert "authorization" not in req["hdrs"]
    assert req["hdrs"]["x-api-key"] == ["sk-ant-upstream-CANARY-1234567890"]


@pytest.mark.parametrize("style", AUTH_STYLES)
def test_wrong_key_is_401_in_anthropic_shape(stack, style):
    c = client(stack.relay, style=style, key=WRONG_KEY)
    with pytest.raises(anthropic.AuthenticationError) as info:
        c.messages.create(model=MODEL, max_tokens=16, messages=[{"role": "user", "content": "hi"}])
    err = info.value
    assert err.status_code == 401
    body = err.response.json()
    assert body["type"] == "error"
    assert isinstance(body["error"]["type"], str) and body["error"]["type"]
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    assert WRONG_KEY not in err.response.text
    assert all(WRONG_KEY not in v for v in err.response.headers.values())
    assert stack.fake.api_requests("/v1/messages") == [], "a request with a wrong key reached the upstream"


@pytest.mark.parametrize("path", ["/api/v1/messages", "/v1/messages", "/api/v1/messages/count_tokens"])
def test_missing_key_is_401(stack, path):
    status, body, _ = http_json("POST", stack.relay.url + path,
                                body={"model": MODEL, "max_tokens": 16, "messages": [{"role": "user", "content": "hi"}]},
                                headers={"anthropic-version": "2023-06-01"})
    assert status == 401, body
    assert body["type"] == "error" and body["error"]["message"]
    assert stack.fake.requests() == []

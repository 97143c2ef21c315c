"""OpenAI Chat Completions through the relay, served by an Anthropic upstream (the fake)."""

from __future__ import annotations

import base64
import json

import openai
import pytest

from harness import ADMIN, ANTHROPIC_USAGE, CANARIES, CLIENT_KEY, WRONG_KEY, relay_config, upstream_entry_anthropic

PROMPT = ANTHROPIC_USAGE["input_tokens"] + ANTHROPIC_USAGE["cache_creation_input_tokens"] + ANTHROPIC_USAGE["cache_read_input_tokens"]
TOOLS = [{"type": "function", "function": {"name": "get_weather", "description": "Weather for a city",
                                           "parameters": {"type": "object", "properties": {"city": {"type": "string"}},
                                                          "required": ["city"]}}}]


@pytest.fixture(scope="module")
def chat_relay(bins, fake, tmp_path_factory):
    from harness import Relay
    r = Relay(bins.relay, tmp_path_factory.mktemp("chat-relay"),
              lambda port: {**relay_config(port, [], []),
                            "pools": {"openai": [upstream_entry_anthropic(fake, name="fake-chat")]},
                            "model_rules": [{"name": "mine", "source": "my-alias", "target": "claude-haiku-4-5", "match": "exact"}]},
              name="switchyard-chat")
    yield r
    r.stop()


def client(relay, key=CLIENT_KEY):
    return openai.OpenAI(base_url=relay.url + "/v1", api_key=key, timeout=30.0, max_retries=0)


def assert_usage(usage, calls=1):
    assert usage.prompt_tokens == PROMPT * calls
    assert usage.completion_tokens == ANTHROPIC_USAGE["output_tokens"] * calls
    assert usage.total_tokens == (PROMPT + ANTHROPIC_USAGE["output_tokens"]) * calls
    assert usage.prompt_tokens_details.cached_tokens == ANTHROPIC_USAGE["cache_read_input_tokens"] * calls


def test_chat_non_streaming_exact_usage(chat_relay, fake):
    fake.reset()
    r = client(chat_relay).chat.completions.create(model="gpt-4o", messages=[
        {"role": "system", "content": "Be brief."}, {"role": "user", "content": "hi"}])
    assert r.object == "chat.completion"
    assert r.choices[0].message.content == "Hello from FakeUpstream."
    assert r.choices[0].finish_reason == "stop"
    assert r.model == "gpt-4o"
    assert_usage(r.usage)
    sent = fake.api_requests("/v1/messages")[-1]["json"]
    assert sent["model"] == "claude-sonnet-4-5", "the default gpt-4o rule"
    assert sent["system"] and sent["max_tokens"] > 0
    assert sent["stream"] is True, "the upstream streams even for a non-streaming client (long generations stay alive)"
    assert sent["messages"] == [{"role": "user", "content": "hi"}] or sent["messages"][0]["role"] == "user"


def test_chat_streaming_with_usage_chunk(chat_relay):
    stream = client(chat_relay).chat.completions.create(
        model="gpt-4o", messages=[{"role": "user", "content": "hi"}], stream=True, stream_options={"include_usage": True})
    text, usage, finish = "", None, None
    for chunk in stream:
        if chunk.choices:
            text += chunk.choices[0].delta.content or ""
            finish = chunk.choices[0].finish_reason or finish
        if chunk.usage:
            usage = chunk.usage
    assert text == "Hello from FakeUpstream."
    assert finish == "stop"
    assert_usage(usage)


def test_chat_streaming_without_include_usage_has_no_usage_chunk(chat_relay):
    chunks = list(client(chat_relay).chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "hi"}], stream=True))
    assert chunks and all(c.usage is None for c in chunks)


@pytest.mark.parametrize("stream", [False, True])
def test_chat_tool_round_trip(chat_relay, fake, stream):
    fake.reset()
    c = client(chat_relay)
    messages = [{"role": "user", "content": "What is the weather in Paris?"}]
    if stream:
        calls, finish = {}, None
        for chunk in c.chat.completions.create(model="gpt-4o", messages=messages, tools=TOOLS, stream=True):
            if not chunk.choices:
                continue
            choice = chunk.choices[0]
            finish = choice.finish_reason or finish
            for tc in choice.delta.tool_calls or []:
                entry = calls.setdefault(tc.index, {"id": None, "name": "", "arguments": ""})
                entry["id"] = tc.id or entry["id"]
                if tc.function and tc.function.name:
                    entry["name"] = tc.function.name
                if tc.function and tc.function.arguments:
                    entry["arguments"] += tc.function.arguments
        assert finish == "tool_calls"
        assert list(calls) == [0]
        call = calls[0]
        assistant = {"role": "assistant", "tool_calls": [
            {"id": call["id"], "type": "function", "function": {"name": call["name"], "arguments": call["arguments"]}}]}
    else:
        r = c.chat.completions.create(model="gpt-4o", messages=messages, tools=TOOLS)
        assert r.choices[0].finish_reason == "tool_calls"
        tc = r.choices[0].message.tool_calls[0]
        call = {"id": tc.id, "name": tc.function.name, "arguments": tc.function.arguments}
        assistant = r.choices[0].message.model_dump(exclude_none=True)
    assert call["name"] == "get_weather"
    assert json.loads(call["arguments"]) == {"city": "x"}
    messages += [assistant, {"role": "tool", "tool_call_id": call["id"], "content": "sunny, 21 C"}]
    r2 = c.chat.completions.create(model="gpt-4o", messages=messages, tools=TOOLS)
    assert r2.choices[0].message.content == "Tool said: sunny, 21 C"
    sent = fake.api_requests("/v1/messages")[-1]["json"]
    results = [b for m in sent["messages"] if isinstance(m["content"], list) for b in m["content"] if b.get("type") == "tool_result"]
    assert results and results[0]["tool_use_id"] == call["id"]
    assert sent["tools"][0]["name"] == "get_weather" and "input_schema" in sent["tools"][0]


def test_chat_image_and_json_schema(chat_relay, fake):
    fake.reset()
    png = base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\0" * 16).decode()
    r = client(chat_relay).chat.completions.create(
        model="gpt-4o",
        messages=[{"role": "user", "content": [
            {"type": "text", "text": "What is in this image?"},
            {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{png}"}},
            {"type": "image_url", "image_url": {"url": "https://example.com/cat.jpg"}}]}],
        response_format={"type": "json_schema", "json_schema": {"name": "answer", "schema": {
            "type": "object", "properties": {"answer": {"type": "string"}}, "required": ["answer"]}}})
    assert r.choices[0].message is not None
    sent = fake.api_requests("/v1/messages")[-1]["json"]
    blocks = sent["messages"][-1]["content"]
    images = [b for b in blocks if b["type"] == "image"]
    assert images[0]["source"] == {"type": "base64", "media_type": "image/png", "data": png}
    assert images[1]["source"] == {"type": "url", "url": "https://example.com/cat.jpg"}
    assert "output_config" in sent or any(t.get("name") == "json_tool_call" for t in sent.get("tools", [])) or sent.get("system")


def test_chat_model_rules_and_thinking_suffix(chat_relay, fake):
    fake.reset()
    c = client(chat_relay)
    c.chat.completions.create(model="my-alias", messages=[{"role": "user", "content": "hi"}])
    assert fake.api_requests("/v1/messages")[-1]["json"]["model"] == "claude-haiku-4-5"
    c.chat.completions.create(model="claude-sonnet-4-5-thinking", messages=[{"role": "user", "content": "hi"}], max_tokens=4000)
    sent = fake.api_requests("/v1/messages")[-1]["json"]
    assert sent["model"] == "claude-sonnet-4-5"
    assert sent["thinking"]["type"] == "enabled" and sent["thinking"]["budget_tokens"] < sent["max_tokens"]
    assert "temperature" not in sent


def test_chat_errors_in_openai_format(chat_relay, fake):
    with pytest.raises(openai.AuthenticationError) as auth:
        client(chat_relay, key=WRONG_KEY).chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "hi"}])
    assert auth.value.status_code == 401 and WRONG_KEY not in auth.value.response.text
    with pytest.raises(openai.BadRequestError) as bad:
        client(chat_relay).chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "hi"}], n=2)
    assert bad.value.body["code"] == "unsupported_parameter"


@pytest.mark.parametrize("controls,error,status", [
    (["--control", "x-fake-status=429", "--control", "x-fake-retry-after=9"], openai.RateLimitError, 429),
    (["--control", "x-fake-status=400"], openai.BadRequestError, 400),
])
def test_chat_upstream_errors_in_openai_format(bins, tmp_path_factory, make_relay, controls, error, status):
    from conftest import start_fake
    failing = start_fake(bins, tmp_path_factory.mktemp("failing"), f"failing-{status}", extra_args=controls)
    try:
        relay = make_relay(lambda port: {**relay_config(port, [], []),
                                         "pools": {"openai": [upstream_entry_anthropic(failing, name="failing")]}},
                           name=f"switchyard-chat-{status}")
        with pytest.raises(error) as raised:
            client(relay).chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "hi"}])
        assert raised.value.status_code == status
        body = raised.value.response.json()
        assert body["error"]["message"] and body["error"]["type"]
        if status == 429:
            assert raised.value.response.headers.get("retry-after") == "9"
        else:
            assert body["error"]["message"] == "fake", "the upstream's own message for a request error"
        assert not any(s in raised.value.response.text for s in CANARIES)
    finally:
        failing.stop()

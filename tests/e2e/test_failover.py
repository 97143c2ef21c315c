"""An upstream that refuses connections: failover to the backup, or an error in the client's dialect."""

from __future__ import annotations

import socket
import time

import anthropic
import openai
import pytest

from harness import CANARIES, CLIENT_KEY, relay_config, upstream_entry_anthropic, upstream_entry_responses


def refused_port() -> int:
    """A loopback port with nothing listening (bound, then closed)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def dead_entries(port: int) -> tuple[dict, dict]:
    a = {"name": "dead-anthropic", "base_url": f"http://127.0.0.1:{port}", "key": "sk-ant-upstream-CANARY-1234567890",
         "format": "anthropic", "auth": "x-api-key", "role": "primary", "enabled": True, "weekdays": [True] * 7}
    o = {"name": "dead-responses", "base_url": f"http://127.0.0.1:{port}/v1", "key": "sk-upstream-CANARY-0987654321",
         "format": "openai-responses", "auth": "bearer", "role": "primary", "enabled": True, "weekdays": [True] * 7}
    return a, o


def ask_anthropic(relay) -> str:
    c = anthropic.Anthropic(base_url=relay.url + "/api", api_key=CLIENT_KEY, timeout=30.0, max_retries=0)
    msg = c.messages.create(model="claude-sonnet-5", max_tokens=16, messages=[{"role": "user", "content": "hi"}])
    return "".join(b.text for b in msg.content if b.type == "text")


def ask_responses(relay) -> str:
    c = openai.OpenAI(base_url=relay.url + "/openai", api_key=CLIENT_KEY, timeout=30.0, max_retries=0)
    return c.responses.create(model="gpt-5.5", input="hi").output_text


def test_refused_primary_fails_over_to_backup(fake, make_relay):
    fake.reset()
    dead_a, dead_o = dead_entries(refused_port())
    relay = make_relay(lambda port: relay_config(
        port,
        [dead_a, upstream_entry_anthropic(fake, role="backup")],
        [dead_o, upstream_entry_responses(fake, role="backup")],
    ), name="switchyard-failover")
    assert ask_anthropic(relay) == "Hello from FakeUpstream."
    assert ask_responses(relay) == "Hello from FakeUpstream."
    assert len(fake.api_requests("/v1/messages")) == 1
    assert len(fake.api_requests("/responses")) == 1


def test_only_upstream_refused_is_5xx_in_client_dialect(make_relay):
    dead_a, dead_o = dead_entries(refused_port())
    relay = make_relay(lambda port: relay_config(port, [dead_a], [dead_o]), name="switchyard-dead")

    with pytest.raises(anthropic.APIStatusError) as a_info:
        ask_anthropic(relay)
    assert a_info.value.status_code >= 500
    a_body = a_info.value.response.json()
    assert a_body["type"] == "error" and a_body["error"]["message"]

    with pytest.raises(openai.APIStatusError) as o_info:
        ask_responses(relay)
    assert o_info.value.status_code >= 500
    o_body = o_info.value.response.json()
    assert o_body["error"]["message"] and o_body["error"]["type"]

    for text in (a_info.value.response.text, o_info.value.response.text):
        assert not any(c in text for c in CANARIES)


def test_refused_upstream_is_detected_quickly(make_relay):
    """Connection refused on loopback is immediate; the relay should not sit on it for seconds."""
    dead_a, dead_o = dead_entries(refused_port())
    relay = make_relay(lambda port: relay_config(port, [dead_a], [dead_o]), name="switchyard-dead-fast")
    started = time.monotonic()
    with pytest.raises(anthropic.APIStatusError):
        ask_anthropic(relay)
    elapsed = time.monotonic() - started
    assert elapsed < 3.0, f"a refused upstream connection took {elapsed:.1f}s to be reported"


def broken_first_relay(make_relay, broken_fake, fake, name):
    broken_a = upstream_entry_anthropic(broken_fake, name="broken-anthropic", key="sk-ant-upstream-CANARY-broken-000")
    broken_o = upstream_entry_responses(broken_fake, name="broken-responses", key="sk-upstream-CANARY-broken-0000")
    return make_relay(lambda port: relay_config(
        port,
        [broken_a, upstream_entry_anthropic(fake)],
        [broken_o, upstream_entry_responses(fake)],
    ), name=name)


def test_claude_code_completes_a_turn_while_the_first_upstream_is_broken(fake, broken_fake, make_relay, claude_bin, cli_env, tmp_path):
    from test_claude_code import run_claude
    fake.reset()
    relay = broken_first_relay(make_relay, broken_fake, fake, "switchyard-broken-first-claude")
    rc, result, err, _ = run_claude(claude_bin, cli_env, tmp_path, relay, "run echo via Bash", extra_args=["--allowedTools", "Bash"])
    assert rc == 0, f"claude failed: {result}\nstderr: {err[-2000:]}"
    assert result["result"].startswith("Tool said: switchyard-tool-ok"), result["result"]
    assert broken_fake.api_requests("/v1/messages"), "the broken upstream was tried first"
    assert len(fake.api_requests("/v1/messages")) >= 2


def test_codex_completes_a_turn_while_the_first_upstream_is_broken(fake, broken_fake, make_relay, codex_bin, cli_env, tmp_path):
    from test_codex import run_codex
    fake.reset()
    relay = broken_first_relay(make_relay, broken_fake, fake, "switchyard-broken-first-codex")
    rc, events, out, err = run_codex(codex_bin, cli_env, tmp_path, relay,
                                     "Run `echo switchyard-tool-ok` in the shell and tell me what it printed.")
    assert rc == 0, f"rc={rc}\n{out[-3000:]}\n{err[-1500:]}"
    types = [e.get("type") for e in events]
    assert "turn.completed" in types and "turn.failed" not in types, out[-3000:]
    assert broken_fake.api_requests("/responses"), "the broken upstream was tried first"
    assert len(fake.api_requests("/responses")) >= 2

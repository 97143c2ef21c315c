"""The usage ledger through the built binary: exact totals from real clients, nothing lost or
doubled across kill -9 and SIGTERM, and a relay that keeps serving when its store is unusable."""

from __future__ import annotations

import json
import threading
import time

import anthropic
import openai
import pytest

from harness import (
    ANTHROPIC_USAGE,
    CLIENT_KEY,
    RESPONSES_USAGE,
    Relay,
    http_json,
    relay_config,
    upstream_entry_anthropic,
    upstream_entry_responses,
    wait_until,
)


def make(bins, tmp_path_factory, fake, name):
    return Relay(bins.relay, tmp_path_factory.mktemp(name), lambda port: {
        **relay_config(port, [upstream_entry_anthropic(fake)], [upstream_entry_responses(fake)]),
        "pools": {"claude": [upstream_entry_anthropic(fake)], "codex": [upstream_entry_responses(fake)],
                  "openai": [upstream_entry_anthropic(fake, name="fake-chat")]},
    }, name=name)


def stats(relay, period="all"):
    status, body = relay.admin("GET", f"/api/token-stats?period={period}")
    assert status == 200, body
    return body


def ask(relay, n, stream=False):
    c = anthropic.Anthropic(base_url=relay.url + "/api", api_key=CLIENT_KEY, max_retries=0, timeout=30)
    for _ in range(n):
        if stream:
            with c.messages.stream(model="claude-sonnet-5", max_tokens=16, messages=[{"role": "user", "content": "hi"}]) as s:
                s.get_final_message()
        else:
            c.messages.create(model="claude-sonnet-5", max_tokens=16, messages=[{"role": "user", "content": "hi"}])


def test_totals_equal_what_the_upstream_reported(bins, fake, tmp_path_factory):
    relay = make(bins, tmp_path_factory, fake, "ledger-totals")
    try:
        ask(relay, 2)
        ask(relay, 2, stream=True)
        o = openai.OpenAI(base_url=relay.url + "/openai", api_key=CLIENT_KEY, max_retries=0)
        o.responses.create(model="gpt-5.5", input="hi")
        for _ in o.responses.create(model="gpt-5.5", input="hi", stream=True):
            pass
        chat = openai.OpenAI(base_url=relay.url + "/v1", api_key=CLIENT_KEY, max_retries=0)
        chat.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "hi"}])
        body = stats(relay)
        summary = body["summary"]
        a, r = ANTHROPIC_USAGE, RESPONSES_USAGE
        anthropic_calls, responses_calls = 5, 2
        assert summary["total_requests"] == anthropic_calls + responses_calls
        assert summary["total_input_tokens"] == anthropic_calls * a["input_tokens"] + responses_calls * (r["input_tokens"] - r["cached_tokens"])
        assert summary["total_output_tokens"] == anthropic_calls * a["output_tokens"] + responses_calls * r["output_tokens"]
        assert summary["total_cache_creation_tokens"] == anthropic_calls * a["cache_creation_input_tokens"]
        assert summary["total_cache_read_tokens"] == anthropic_calls * a["cache_read_input_tokens"] + responses_calls * r["cached_tokens"]
        assert set(body["by_client"]) == {"e2e"}
        assert sum(v["total_requests"] for v in body["by_upstream"].values()) == 7
        assert body["by_model"], "per-model numbers"
        day = next(iter(body["daily"].values()))
        assert day["total_requests"] == 7
        assert summary.get("cost_usd", 0) > 0
        export_status, export, _ = http_json("GET", relay.url + "/api/token-stats/export?format=json",
                                             headers={"authorization": f"Bearer {__import__('harness').ADMIN_TOKEN}"})
        assert export_status == 200
    finally:
        relay.stop()


def test_kill_minus_9_right_after_responses_loses_and_doubles_nothing(bins, fake, tmp_path_factory):
    relay = make(bins, tmp_path_factory, fake, "ledger-kill9")
    try:
        ask(relay, 10, stream=True)
        ask(relay, 10)
        # Every other answer path too: translated chat streams and answers, Responses streams,
        # and one-event streams that can end inside the bytes read before the commit point.
        chat = openai.OpenAI(base_url=relay.url + "/v1", api_key=CLIENT_KEY, max_retries=0)
        for _ in range(3):
            for _ in chat.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "hi"}], stream=True):
                pass
            chat.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "hi"}])
        responses = openai.OpenAI(base_url=relay.url + "/openai", api_key=CLIENT_KEY, max_retries=0)
        for _ in range(3):
            for _ in responses.responses.create(model="gpt-5.5", input="hi", stream=True):
                pass
        tiny = anthropic.Anthropic(base_url=relay.url + "/api", api_key=CLIENT_KEY, max_retries=0, timeout=30,
                                   default_headers={"x-fake-events": "1"})
        for _ in range(3):
            with tiny.messages.stream(model="claude-sonnet-5", max_tokens=16, messages=[{"role": "user", "content": "hi"}]) as s:
                s.get_final_message()
        total = 20 + 6 + 3 + 3
        relay.kill9()                      # no flush, no drain
        relay.start_again()
        assert stats(relay)["summary"]["total_requests"] == total
        relay.kill9()
        relay.start_again()                # a second restart must not double anything
        summary = stats(relay)["summary"]
        assert summary["total_requests"] == total
        assert summary["total_output_tokens"] == 29 * ANTHROPIC_USAGE["output_tokens"] + 3 * RESPONSES_USAGE["output_tokens"]
    finally:
        relay.stop()


def test_sigterm_under_load_drains_and_records_every_stream(bins, fake, tmp_path_factory):
    relay = make(bins, tmp_path_factory, fake, "ledger-sigterm")
    try:
        results = []

        def stream_one():
            c = anthropic.Anthropic(base_url=relay.url + "/api", api_key=CLIENT_KEY, max_retries=0, timeout=30,
                                    default_headers={"x-fake-events": "10", "x-fake-interval-ms": "100"})
            try:
                with c.messages.stream(model="claude-sonnet-5", max_tokens=16, messages=[{"role": "user", "content": "hi"}]) as s:
                    results.append(s.get_final_message().stop_reason)
            except Exception as exc:  # noqa: BLE001 - recorded for the assertion
                results.append(repr(exc))

        # The fake is shared by the whole session: count from what it had already received, or
        # SIGTERM could land before these streams even reached the relay.
        before = fake.stats()["received"]
        threads = [threading.Thread(target=stream_one) for _ in range(8)]
        for t in threads:
            t.start()
        wait_until(lambda: fake.stats()["received"] >= before + 8, 10, "streams to start")
        time.sleep(0.3)
        relay.terminate()
        for t in threads:
            t.join(timeout=30)
        assert results == ["end_turn"] * 8, f"graceful shutdown lets running streams finish; relay log:\n{relay.proc.tail()}"
        relay.proc.popen.wait(timeout=20)
        assert relay.proc.popen.returncode == 0, relay.proc.tail()
        relay.start_again()
        assert stats(relay)["summary"]["total_requests"] == 8
    finally:
        relay.stop()


def test_unusable_store_never_stops_the_relay_and_drops_are_counted(bins, fake, tmp_path_factory):
    data = tmp_path_factory.mktemp("ledger-broken")
    (data / "usage.sqlite").mkdir()        # a directory where the database file should be
    relay = Relay(bins.relay, data, lambda port: relay_config(port, [upstream_entry_anthropic(fake)], [upstream_entry_responses(fake)]),
                  name="ledger-broken")
    try:
        ask(relay, 3)
        def dropped():
            status, body = relay.admin("GET", "/api/status")
            ledger = body.get("ledger") or {}
            return sum((ledger.get("dropped") or {}).values())
        wait_until(lambda: dropped() >= 1, 20, "the ledger to report dropped records")
        status, text, _ = http_json("GET", relay.url + "/metrics")
        assert status == 200
        metrics = text if isinstance(text, str) else json.dumps(text)
        assert "switchyard_ledger_dropped_total" in metrics
        ask(relay, 1)                      # still serving
    finally:
        relay.stop()


def test_claude_code_and_codex_usage_lands_in_the_ledger_exactly(bins, fake, tmp_path_factory, claude_bin, codex_bin, cli_env, tmp_path):
    """Real agents through a ledger relay: the stats equal what the upstream reported, per category."""
    from test_claude_code import run_claude
    from test_codex import run_codex
    relay = make(bins, tmp_path_factory, fake, "ledger-agents")
    try:
        fake.reset()
        rc, result, err, _ = run_claude(claude_bin, cli_env, tmp_path, relay, "run echo via Bash", extra_args=["--allowedTools", "Bash"])
        assert rc == 0, err[-2000:]
        rc, events, out, err = run_codex(codex_bin, cli_env, tmp_path, relay,
                                         "Run `echo switchyard-tool-ok` in the shell and tell me what it printed.")
        assert rc == 0, out[-2000:]
        a_calls = len(fake.api_requests("/v1/messages"))
        r_calls = len(fake.api_requests("/responses"))
        assert a_calls >= 2 and r_calls >= 2
        a, r = ANTHROPIC_USAGE, RESPONSES_USAGE
        wait_until(lambda: stats(relay)["summary"]["total_requests"] == a_calls + r_calls, 10, "every agent call to be recorded")
        summary = stats(relay)["summary"]
        assert summary["total_input_tokens"] == a_calls * a["input_tokens"] + r_calls * (r["input_tokens"] - r["cached_tokens"])
        assert summary["total_output_tokens"] == a_calls * a["output_tokens"] + r_calls * r["output_tokens"]
        assert summary["total_cache_creation_tokens"] == a_calls * a["cache_creation_input_tokens"]
        assert summary["total_cache_read_tokens"] == a_calls * a["cache_read_input_tokens"] + r_calls * r["cached_tokens"]
        # And what the agents themselves reported agrees with the ledger.
        assert result["usage"]["output_tokens"] == a_calls * a["output_tokens"]
        turn = [e for e in events if e.get("type") == "turn.completed"][-1]["usage"]
        assert turn["output_tokens"] == r_calls * r["output_tokens"]
    finally:
        relay.stop()

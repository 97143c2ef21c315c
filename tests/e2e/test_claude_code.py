"""Claude Code (the CLI bundled in claude-agent-sdk) through the relay.

Facts this relies on are in README.md ("Claude Code in a loopback namespace").
"""

from __future__ import annotations

import json
import subprocess
import time

import pytest

from harness import ANTHROPIC_UPSTREAM_KEY, ANTHROPIC_USAGE, CLIENT_KEY, TOOL_MARKER, WRONG_KEY

CLAUDE_TIMEOUT = 120
QUIET_ENV = {
    # No traffic but the API calls: without this it resolves api.anthropic.com and sends
    # `HEAD {ANTHROPIC_BASE_URL}/api/hello`.
    "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
    "DISABLE_TELEMETRY": "1",
    "DISABLE_AUTOUPDATER": "1",
    "DISABLE_ERROR_REPORTING": "1",
    # Fail fast: otherwise a 401 is retried for minutes.
    "CLAUDE_CODE_MAX_RETRIES": "0",
}


def run_claude(claude_bin, cli_env, tmp_path, relay, prompt, key=CLIENT_KEY, key_var="ANTHROPIC_AUTH_TOKEN",
               extra_args=(), extra_env=None):
    env = dict(cli_env)
    env.update(QUIET_ENV)
    env["ANTHROPIC_BASE_URL"] = relay.url + "/api"
    env[key_var] = key
    env.update(extra_env or {})
    work = tmp_path / "work"
    work.mkdir(exist_ok=True)
    # No --model: the default (claude-opus-5-5 in 2.1.332) is what a user gets.
    argv = [str(claude_bin), "-p", prompt, "--output-format", "json", *extra_args]
    started = time.monotonic()
    try:
        proc = subprocess.run(argv, cwd=work, env=env, stdin=subprocess.DEVNULL, capture_output=True,
                              timeout=CLAUDE_TIMEOUT)
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"claude did not finish in {CLAUDE_TIMEOUT}s\nstdout: {exc.stdout!r}\nstderr: {exc.stderr!r}")
    elapsed = time.monotonic() - started
    out = proc.stdout.decode("utf-8", "replace")
    err = proc.stderr.decode("utf-8", "replace")
    try:
        result = json.loads(out)
    except ValueError:
        pytest.fail(f"claude printed no JSON (rc={proc.returncode})\nstdout: {out[-3000:]}\nstderr: {err[-3000:]}")
    return proc.returncode, result, err, elapsed


@pytest.mark.parametrize("key_var", ["ANTHROPIC_AUTH_TOKEN", "ANTHROPIC_API_KEY"])
def test_claude_code_runs_bash_through_relay(stack, claude_bin, cli_env, tmp_path, key_var):
    rc, result, err, _ = run_claude(claude_bin, cli_env, tmp_path, stack.relay, "run echo via Bash",
                                    key_var=key_var, extra_args=["--allowedTools", "Bash"])
    assert rc == 0, f"claude failed: {json.dumps(result)[:2000]}\nstderr: {err[-2000:]}"
    assert result["is_error"] is False
    assert result["subtype"] == "success"
    # The fake echoes the tool_result back; Claude Code may append a <system-reminder> to it.
    assert result["result"].startswith(f"Tool said: {TOOL_MARKER}"), result["result"]

    reqs = stack.fake.api_requests("/v1/messages")
    assert len(reqs) >= 2, "expected a tool_use turn and a follow-up turn"
    # The tool really ran on this machine and its output went back upstream.
    tool_results = [
        block
        for r in reqs
        for m in r["json"]["messages"] if m["role"] == "user" and isinstance(m["content"], list)
        for block in m["content"] if block.get("type") == "tool_result"
    ]
    assert any(TOOL_MARKER in json.dumps(b.get("content")) for b in tool_results)

    # Usage Claude Code reports is exactly the sum of what the upstream sent.
    n = len(reqs)
    assert {k: result["usage"][k] for k in ANTHROPIC_USAGE} == {k: v * n for k, v in ANTHROPIC_USAGE.items()}

    for r in reqs:
        h = r["hdrs"]
        assert r["path"] == "/v1/messages" and "beta=true" in r["query"].split("&")
        assert h["x-api-key"] == [ANTHROPIC_UPSTREAM_KEY] and "authorization" not in h
        assert "claude-code-20250219" in h["anthropic-beta"][0]
        assert h["x-claude-code-session-id"] == [result["session_id"]]
        assert r["json"]["stream"] is True
        assert CLIENT_KEY not in json.dumps(h)


def test_claude_code_wrong_key_fails_fast(stack, claude_bin, cli_env, tmp_path):
    rc, result, err, elapsed = run_claude(claude_bin, cli_env, tmp_path, stack.relay, "hi", key=WRONG_KEY)
    assert rc != 0
    assert result["is_error"] is True
    assert result.get("api_error_status") == 401, json.dumps(result)[:2000]
    assert elapsed < 60
    assert stack.fake.api_requests("/v1/messages") == [], "a request with a wrong key reached the upstream"


def test_claude_code_sees_upstream_overload(stack, claude_bin, cli_env, tmp_path):
    """A 529 before the commit point reaches Claude Code as a 529 it reports (ANTHROPIC_CUSTOM_HEADERS drives the fake)."""
    rc, result, err, _ = run_claude(claude_bin, cli_env, tmp_path, stack.relay, "hi",
                                    extra_env={"ANTHROPIC_CUSTOM_HEADERS": "x-fake-status: 529"})
    assert rc != 0
    assert result["is_error"] is True
    assert result.get("api_error_status") == 529, json.dumps(result)[:2000]
    assert stack.fake.api_requests("/v1/messages"), "the request never reached the upstream"


def test_claude_code_recovers_from_midstream_error(stack, claude_bin, cli_env, tmp_path):
    """After the commit point the relay passes the upstream's in-band error event through; Claude Code
    recognises it and falls back to a non-streaming request (which the fake answers normally)."""
    rc, result, err, _ = run_claude(claude_bin, cli_env, tmp_path, stack.relay, "run echo via Bash",
                                    extra_args=["--allowedTools", "Bash"],
                                    extra_env={"ANTHROPIC_CUSTOM_HEADERS": "x-fake-midstream-error: 1"})
    assert rc == 0, f"claude failed: {json.dumps(result)[:2000]}\nstderr: {err[-2000:]}"
    assert result["result"].startswith(f"Tool said: {TOOL_MARKER}"), result["result"]
    reqs = stack.fake.api_requests("/v1/messages")
    streamed = [r for r in reqs if r["json"].get("stream") is True]
    plain = [r for r in reqs if not r["json"].get("stream")]
    assert streamed and plain, f"expected streamed attempts and non-streaming fallbacks, got {len(streamed)}/{len(plain)}"

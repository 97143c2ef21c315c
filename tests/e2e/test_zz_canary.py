"""Secrets never reach the relay's logs. Runs last (file name) so it sees every relay of the session."""

from __future__ import annotations

import json

from harness import (
    ADMIN,
    CLIENT_KEY,
    WRONG_KEY,
    RawStream,
    Relay,
    http_json,
    relay_config,
    secret_leaks,
    upstream_entry_anthropic,
    upstream_entry_responses,
    wait_until,
)


def exercise(relay: Relay, fake) -> None:
    """Successes, upstream errors of each kind, bad client keys and a cancelled stream."""
    a_body = {"model": "claude-sonnet-5", "max_tokens": 16, "messages": [{"role": "user", "content": "hi"}]}
    o_body = {"model": "gpt-5.5", "input": "hi"}
    bearer = {"authorization": f"Bearer {CLIENT_KEY}"}
    calls = [
        ("/api/v1/messages", a_body, bearer),
        ("/api/v1/messages", {**a_body, "stream": True}, {"x-api-key": CLIENT_KEY}),
        ("/api/v1/messages/count_tokens?beta=true", a_body, bearer),
        ("/openai/responses", o_body, bearer),
        ("/openai/responses", {**o_body, "stream": True}, bearer),
        ("/api/v1/messages", a_body, {"authorization": f"Bearer {WRONG_KEY}"}),
        ("/openai/responses", o_body, {"x-api-key": WRONG_KEY}),
        ("/api/v1/messages", a_body, {}),
    ]
    for status in ("401", "403", "429", "500", "529"):
        calls.append(("/api/v1/messages", a_body, {**bearer, "x-fake-status": status, "x-fake-retry-after": "1"}))
        calls.append(("/openai/responses", o_body, {**bearer, "x-fake-status": status}))
    calls.append(("/api/v1/messages", {**a_body, "stream": True}, {**bearer, "x-fake-midstream-error": "1"}))
    calls.append(("/openai/responses", {**o_body, "stream": True}, {**bearer, "x-fake-midstream-error": "1"}))
    for path, body, headers in calls:
        http_json("POST", relay.url + path, body=body, headers={"anthropic-version": "2023-06-01", **headers})
        # 401/403 disable the key and 429/500 cool it; put it back so every call reaches the upstream.
        http_json("POST", relay.url + "/api/health/reset", body={}, headers=dict(ADMIN))
    status_code, status_doc, _ = http_json("GET", relay.url + "/api/status", headers=dict(ADMIN))
    assert status_code == 200
    assert not secret_leaks(json.dumps(status_doc)), "a secret in /api/status"

    before = fake.stats()["received"]
    s = RawStream(relay.port, "/openai/responses", {**o_body, "stream": True}, {**bearer, "x-fake-hang": "1"})
    try:
        wait_until(lambda: fake.stats()["received"] > before, 5, "the hanging request to reach the upstream")
    finally:
        s.close()


def test_no_secrets_in_relay_logs(bins, fake, tmp_path_factory):
    """Its own relay logs at trace level (a secret is a leak at any level); every other relay of the session too."""
    fake.reset()
    relay = Relay(bins.relay, tmp_path_factory.mktemp("relay-canary"),
                  lambda port: relay_config(port, [upstream_entry_anthropic(fake)], [upstream_entry_responses(fake)]),
                  name="switchyard-canary", extra_args=("--log-level", "trace"))
    try:
        exercise(relay, fake)
    finally:
        relay.stop()  # flushes whatever it buffered
    assert fake.stats()["received"] > 0, "the canary session never reached the upstream"

    problems = []
    for r in Relay.registry:
        found = secret_leaks(r.log_text())
        if found:
            problems.append(f"{r.name} ({r.proc.stdout_path.parent}): {found}")
    assert not problems, "secrets found in relay logs:\n" + "\n".join(problems)

"""schemathesis against the admin API's own OpenAPI document: every operation, generated and
stateful cases, every check; no failures allowed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from harness import ADMIN_TOKEN, CANARIES, relay_config, secret_leaks, upstream_entry_anthropic, upstream_entry_responses


def test_schemathesis_finds_no_failures(fake, make_relay, tmp_path):
    relay = make_relay(lambda port: relay_config(port, [upstream_entry_anthropic(fake)], [upstream_entry_responses(fake)]),
                       name="switchyard-schemathesis")
    binary = Path(sys.prefix) / "bin" / "schemathesis"
    argv = [str(binary), "run", relay.url + "/api/openapi.json", "-H", f"Authorization: Bearer {ADMIN_TOKEN}",
            "-n", "5", "--seed", "1", "--checks", "all", "--request-timeout", "20"]
    proc = subprocess.run(argv, cwd=tmp_path, capture_output=True, timeout=600)
    out = proc.stdout.decode("utf-8", "replace") + proc.stderr.decode("utf-8", "replace")
    assert proc.returncode == 0, out[-6000:]
    assert " passed" in out, out[-3000:]
    assert not any(secret in relay.log_text() for secret in CANARIES)
    assert not secret_leaks(out), "a secret in an admin API response"

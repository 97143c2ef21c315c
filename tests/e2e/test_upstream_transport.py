"""HTTPS upstreams with a private CA, and upstreams reached through HTTP CONNECT and SOCKS5 proxies."""

from __future__ import annotations

import anthropic
import openai
import pytest

from harness import CLIENT_KEY, relay_config, upstream_entry_anthropic, upstream_entry_responses
from proxies import ConnectProxy, Socks5Proxy


def anthropic_hello(relay) -> str:
    c = anthropic.Anthropic(base_url=relay.url + "/api", api_key=CLIENT_KEY, timeout=30.0, max_retries=0)
    msg = c.messages.create(model="claude-sonnet-5", max_tokens=16, messages=[{"role": "user", "content": "hi"}])
    return "".join(b.text for b in msg.content if b.type == "text")


def responses_hello(relay) -> str:
    c = openai.OpenAI(base_url=relay.url + "/openai", api_key=CLIENT_KEY, timeout=30.0, max_retries=0)
    text = ""
    with c.responses.create(model="gpt-5.5", input="hi", stream=True) as stream:
        for event in stream:
            if event.type == "response.output_text.delta":
                text += event.delta
    return text


@pytest.fixture
def proxy_servers():
    started = []

    def _start(cls):
        p = cls().start()
        started.append(p)
        return p

    yield _start
    for p in started:
        p.stop()


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_https_upstream_with_custom_ca(tls_fake, make_relay, host):
    tls_fake.reset()
    ca = str(tls_fake.tls.ca)
    relay = make_relay(lambda port: relay_config(
        port,
        [upstream_entry_anthropic(tls_fake, host=host, ca_file=ca)],
        [upstream_entry_responses(tls_fake, host=host, ca_file=ca)],
    ), name="switchyard-tls")
    assert anthropic_hello(relay) == "Hello from FakeUpstream."
    assert responses_hello(relay) == "Hello from FakeUpstream."
    assert len(tls_fake.api_requests("/v1/messages")) == 1
    assert len(tls_fake.api_requests("/responses")) == 1


def test_https_upstream_without_ca_is_refused(tls_fake, make_relay):
    """Certificate verification is on: without ca_file the private CA is not trusted."""
    tls_fake.reset()
    relay = make_relay(lambda port: relay_config(
        port, [upstream_entry_anthropic(tls_fake)], [upstream_entry_responses(tls_fake)],
    ), name="switchyard-tls-noca")
    c = anthropic.Anthropic(base_url=relay.url + "/api", api_key=CLIENT_KEY, timeout=30.0, max_retries=0)
    with pytest.raises(anthropic.APIStatusError) as info:
        c.messages.create(model="claude-sonnet-5", max_tokens=16, messages=[{"role": "user", "content": "hi"}])
    assert info.value.status_code >= 500
    body = info.value.response.json()
    assert body["type"] == "error"
    assert tls_fake.api_requests("/v1/messages") == [], "the request got through an unverified TLS connection"


@pytest.mark.parametrize("kind", ["connect", "socks5"])
@pytest.mark.parametrize("where", ["entry", "global"])
def test_https_upstream_through_proxy(tls_fake, make_relay, proxy_servers, kind, where):
    tls_fake.reset()
    proxy = proxy_servers(ConnectProxy if kind == "connect" else Socks5Proxy)
    ca = str(tls_fake.tls.ca)
    per_entry = {"proxy": proxy.url} if where == "entry" else {}
    top = {"proxy": proxy.url} if where == "global" else {}
    relay = make_relay(lambda port: relay_config(
        port,
        [upstream_entry_anthropic(tls_fake, ca_file=ca, **per_entry)],
        [upstream_entry_responses(tls_fake, ca_file=ca, **per_entry)],
        **top,
    ), name=f"switchyard-{kind}-{where}")
    assert anthropic_hello(relay) == "Hello from FakeUpstream.", repr(proxy)
    assert responses_hello(relay) == "Hello from FakeUpstream.", repr(proxy)
    assert proxy.tunnels > 0, repr(proxy)
    assert set(proxy.targets) <= {("127.0.0.1", tls_fake.port), ("localhost", tls_fake.port)}, repr(proxy)
    assert len(tls_fake.api_requests("/v1/messages")) == 1
    assert len(tls_fake.api_requests("/responses")) == 1


def test_plain_http_upstream_through_socks5(fake, make_relay, proxy_servers):
    fake.reset()
    proxy = proxy_servers(Socks5Proxy)
    relay = make_relay(lambda port: relay_config(
        port,
        [upstream_entry_anthropic(fake, proxy=proxy.url)],
        [upstream_entry_responses(fake, proxy=proxy.url)],
    ), name="switchyard-socks-plain")
    assert anthropic_hello(relay) == "Hello from FakeUpstream.", repr(proxy)
    assert proxy.tunnels > 0 and set(proxy.targets) == {("127.0.0.1", fake.port)}, repr(proxy)
    assert len(fake.api_requests("/v1/messages")) == 1

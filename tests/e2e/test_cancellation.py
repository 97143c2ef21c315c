"""A client that hangs up must make the relay hang up on the upstream (which stops the billing)."""

from __future__ import annotations

import time

import pytest

from harness import CLIENT_KEY, RawStream, wait_until

ROUTES = {
    "anthropic": (
        "/api/v1/messages?beta=true",
        {"model": "claude-sonnet-5", "max_tokens": 64, "stream": True,
         "messages": [{"role": "user", "content": "hi"}]},
        {"authorization": f"Bearer {CLIENT_KEY}", "anthropic-version": "2023-06-01"},
        b"event: content_block_delta",
    ),
    "responses": (
        "/openai/responses",
        {"model": "gpt-5.5", "input": "hi", "stream": True},
        {"authorization": f"Bearer {CLIENT_KEY}"},
        b"event: response.output_text.delta",
    ),
}


def upstream_received(fake, n: int = 1):
    return lambda: fake.stats().get("received", 0) >= n


@pytest.mark.parametrize("route", sorted(ROUTES))
@pytest.mark.parametrize("stall", ["hang", "first-byte-delay"])
def test_cancel_before_first_byte(stack, route, stall):
    path, body, headers, _ = ROUTES[route]
    control = {"x-fake-hang": "1"} if stall == "hang" else {"x-fake-first-byte-delay-ms": "10000"}
    s = RawStream(stack.relay.port, path, body, {**headers, **control})
    try:
        wait_until(upstream_received(stack.fake), 5, "the request to reach the upstream")
        time.sleep(0.5)  # a client that gives up half a second in
        assert stack.fake.stats()["cancelled"] == 0
    finally:
        s.close()
    wait_until(lambda: stack.fake.stats()["cancelled"] == 1, 3,
               f"the upstream to see the request cancelled (stats={stack.fake.stats()})")
    stats = stack.fake.stats()
    assert stats["received"] == 1 and stats["completed"] == 0, stats


@pytest.mark.parametrize("route", sorted(ROUTES))
def test_cancel_mid_stream(stack, route):
    path, body, headers, delta = ROUTES[route]
    control = {"x-fake-events": "50", "x-fake-interval-ms": "100"}
    s = RawStream(stack.relay.port, path, body, {**headers, **control})
    try:
        head = s.read_until(b"\r\n\r\n", timeout=10)
        assert head.startswith(b"HTTP/1.1 200"), head[:300]
        s.read_until(delta, count=2, timeout=10)  # two events arrived while the upstream keeps going
    finally:
        s.close()
    wait_until(lambda: stack.fake.stats()["cancelled"] == 1, 3,
               f"the upstream to see the stream cancelled (stats={stack.fake.stats()})")
    stats = stack.fake.stats()
    assert stats["received"] == 1 and stats["completed"] == 0, stats

#!/usr/bin/env python3
"""Chat Completions conversion figures (loopback only, bounded: about 1.5 minutes).

    python3 bench/chat.py [--rounds 3] [--duration 5] [--streams 1000]

1. Latency at 1 connection, interleaved rounds (wrk -c1, bench/post_file.lua), non-streaming,
   no `x-fake-*` header on any target (the relay builds fresh upstream headers for a chat
   request, so a control header would not reach the fake):
     direct       ~10 KB Anthropic body straight to the fake (for scale)
     passthrough  the same Anthropic body through the relay, POST /v1/messages (claude pool)
     chat         an equivalent ~10 KB Chat Completions body (model gpt-4o), POST
                  /v1/chat/completions (openai pool -> the same fake, translated both ways)
     passthrough_blocks  the body the relay sends upstream for the chat row (captured by the
                  probe: system and every message as text-block arrays, "stream": true) sent as
                  pass-through. The relay asks the upstream for a stream even for a
                  non-streaming chat client, and the fake parses the block shape more slowly
                  than plain strings, so this row gives the fake exactly the chat row's work:
                  chat - passthrough_blocks is the relay's own added time (convert the request,
                  accumulate the stream, write one chat.completion instead of relaying the
                  stream); it is the figure for the <= 100 us goal.
     passthrough_stream  the plain Anthropic body with "stream": true through the relay.
   Also reported: chat - passthrough (non-streaming pass-through, a cheaper upstream exchange)
   and relay CPU per request.
1'. With `canned` in --only (default): the same latency rounds against a canned upstream, nginx
   answering every POST with one fixed Anthropic event stream (~1.6 KB, 12 events, usage). The
   upstream's work is then identical and tiny for every row, so the difference is the relay's:
     direct_canned        the Anthropic stream body straight to nginx (for scale)
     passthrough_canned   the Anthropic body with "stream": true through the relay (the client
                          gets the stream relayed byte for byte)
     chat_canned          the ~10 KB Chat body, non-streaming, through the relay (request
                          converted, the upstream stream accumulated, one chat.completion)
     chat_stream_canned   the same Chat body with "stream": true (the stream converted event by
                          event)
   Figures: chat_canned - passthrough_canned and chat_stream_canned - passthrough_canned, p50
   (median over rounds and per round) and relay CPU per request.
2. A probe through a recording fake: both bodies as the fake receives them (sizes, and the
   translated body's "stream"), and the relay's answers checked (chat: choices[0].message.content).
0. With --only micro (or when it is in --only), the in-process conversion micro-benchmark
   (.build/release/chat-bench: parse, convert, write, response; µs per operation).
3. 1000 concurrent streaming chat requests ("stream": true) against a dedicated fake started
   with `--control x-fake-events=20 --control x-fake-interval-ms=100` (server-wide pacing), on a
   fresh relay: all intact (20 content chunks, text complete, last frame `data: [DONE]`), TTFB,
   relay RSS per stream. For comparison the same 1000 streams as Anthropic pass-through on
   another fresh relay against the same fake.

Needs release binaries in .build/release or SWITCHYARD_BIN_DIR. Raw figures:
bench/results/chat.json; docs/BENCHMARKS.md records them.
"""

from __future__ import annotations

import argparse
import http.client
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench import (BENCH_DIR, CLIENT_KEY, RELEASE, UPSTREAM_KEY, Proc, dechunk, fmt, loadavg, log,  # noqa: E402
                   rss_kib, run_streams, run_wrk, source_info, start_relay_config, wait_for)

TARGET_SIZE = 10 * 1024
ANSWER_TEXT = "Hello from FakeUpstream."


# ---------------------------------------------------------------- bodies


def conversation() -> tuple[str, list[tuple[str, str]]]:
    """A system prompt and alternating user/assistant turns, plain text, ~10 KB in total."""
    system = ("You are a careful senior engineer. Answer concisely, show code when it helps, and say when you are "
              "unsure. Prefer standard library solutions. ") * 6
    para = ("The service reads its configuration at start, validates every field, and reloads it when the file "
            "changes. Requests are routed to the first healthy upstream; failures cool the key down. ")
    code = "func relay(_ request: Request) async throws -> Response {\n    try await upstream.send(request)\n}\n"
    turns = []
    for i in range(8):
        turns.append(("user", f"Question {i + 1}: " + para * 2 + "What would you change here?\n" + code))
        turns.append(("assistant", f"Answer {i + 1}: " + para + "I would keep the routing as it is."))
    turns.append(("user", "Last question: summarise the design in two sentences."))
    return system, turns


def streaming(body: bytes) -> bytes:
    obj = json.loads(body)
    obj["stream"] = True
    return json.dumps(obj).encode()


def bodies() -> tuple[bytes, bytes]:
    """(chat body, anthropic body), padded so the chat body is ~10 KB and both carry the same text."""
    system, turns = conversation()

    def build(pad: str) -> tuple[bytes, bytes]:
        t = [(role, text + (pad if i == 0 else "")) for i, (role, text) in enumerate(turns)]
        chat = {"model": "gpt-4o", "max_tokens": 1024,
                "messages": [{"role": "system", "content": system}] + [{"role": r, "content": c} for r, c in t]}
        anthropic = {"model": "claude-sonnet-4-5", "max_tokens": 1024, "system": system,
                     "messages": [{"role": r, "content": c} for r, c in t]}
        return json.dumps(chat).encode(), json.dumps(anthropic).encode()

    chat, anthropic = build("")
    if len(chat) < TARGET_SIZE:
        chat, anthropic = build(" " + "x" * (TARGET_SIZE - len(chat) - 1))
    return chat, anthropic


def chat_stream_request(events: int) -> bytes:
    body = json.dumps({"model": "gpt-4o", "max_tokens": 256, "stream": True,
                       "messages": [{"role": "user", "content": "stream please"}]}).encode()
    head = (f"POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            f"Authorization: Bearer {CLIENT_KEY}\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n")
    return head.encode() + body


def anthropic_stream_request() -> bytes:
    # No x-fake-* headers: the dedicated fake paces every stream server-wide.
    body = json.dumps({"model": "claude-sonnet-4-5", "max_tokens": 256, "stream": True,
                       "messages": [{"role": "user", "content": "stream please"}]}).encode()
    head = (f"POST /v1/messages HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            f"x-api-key: {CLIENT_KEY}\r\nanthropic-version: 2023-06-01\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n")
    return head.encode() + body


def check_chat_stream(raw: bytes, events: int) -> tuple[bool, str]:
    """Intact: 200, chunked framing decodes, `events` non-empty content chunks that add up to the
    fake's text, and the last frame is `data: [DONE]`."""
    head, sep, body = raw.partition(b"\r\n\r\n")
    if not sep:
        return False, "no response head"
    lines = head.decode("latin-1").split("\r\n")
    status = lines[0].split(" ")[1] if len(lines[0].split(" ")) > 1 else "?"
    if status != "200":
        return False, f"status {status}"
    headers = {k.strip().lower(): v.strip() for k, _, v in (l.partition(":") for l in lines[1:])}
    try:
        if "chunked" in headers.get("transfer-encoding", "").lower():
            body = dechunk(body)
    except (ValueError, IndexError):
        return False, "broken chunked framing"
    frames = [f[5:].strip() for f in body.decode("utf-8", "replace").split("\n\n") if f.startswith("data:")]
    if not frames or frames[-1] != "[DONE]":
        return False, f"last frame {frames[-1][:40] if frames else None}"
    pieces = []
    for frame in frames[:-1]:
        try:
            obj = json.loads(frame)
        except ValueError:
            return False, "bad JSON frame"
        if "error" in obj:
            return False, "error frame"
        for choice in obj.get("choices", []):
            content = choice.get("delta", {}).get("content")
            if content:
                pieces.append(content)
    if len(pieces) != events or "".join(pieces) != ANSWER_TEXT:
        return False, f"{len(pieces)} content chunks of {events}, text {''.join(pieces)[:30]!r}"
    return True, "ok"


# ---------------------------------------------------------------- processes


def start_fake(tmp: Path, name: str, *extra: str) -> tuple[Proc, int]:
    port_file = tmp / f"{name}.port"
    proc = Proc(name, [str(RELEASE / "fake-upstream"), "--host", "127.0.0.1", "--port", "0", "--port-file",
                       str(port_file), *extra], tmp)
    try:
        text = wait_for(lambda: port_file.exists() and port_file.read_text().strip(), 30, f"{name} port file")
    except BaseException:
        proc.stop()
        raise
    return proc, int(text)


def relay_config(fake_port: int) -> dict:
    upstream = {"name": "fake", "base_url": f"http://127.0.0.1:{fake_port}", "key": UPSTREAM_KEY}
    return {"version": 1, "clients": [{"name": "bench", "key": CLIENT_KEY}],
            "pools": {"claude": [dict(upstream)], "openai": [dict(upstream)]}}


HEADERS = {
    "direct": {"x-api-key": CLIENT_KEY, "anthropic-version": "2023-06-01"},
    "passthrough_stream": {"x-api-key": CLIENT_KEY, "anthropic-version": "2023-06-01"},
    "passthrough": {"x-api-key": CLIENT_KEY, "anthropic-version": "2023-06-01"},
    "chat": {"Authorization": f"Bearer {CLIENT_KEY}"},
    "passthrough_blocks": {"x-api-key": CLIENT_KEY, "anthropic-version": "2023-06-01"},
}
PATHS = {"direct": "/v1/messages", "passthrough": "/v1/messages", "chat": "/v1/chat/completions",
         "passthrough_stream": "/v1/messages", "passthrough_blocks": "/v1/messages"}


def post(port: int, path: str, body: bytes, headers: dict) -> tuple[int, dict]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("POST", path, body=body, headers=dict(headers, **{"content-type": "application/json"}))
        response = conn.getresponse()
        data = response.read()
        return response.status, json.loads(data) if data else {}
    finally:
        conn.close()


def probe(tmp: Path, chat_body: bytes, anthropic_body: bytes) -> dict:
    """What the fake receives for each path, through a recording fake and its own relay."""
    fake, fake_port = start_fake(tmp, "probe-fake")
    procs = [fake]
    try:
        relay, relay_port = start_relay_config(tmp, "probe-relay", relay_config(fake_port))
        procs.append(relay)
        status_p, answer_p = post(relay_port, "/v1/messages", anthropic_body, HEADERS["passthrough"])
        status_c, answer_c = post(relay_port, "/v1/chat/completions", chat_body, HEADERS["chat"])
        conn = http.client.HTTPConnection("127.0.0.1", fake_port, timeout=30)
        conn.request("GET", "/_fake/requests")
        recorded = json.loads(conn.getresponse().read())
        conn.close()
        upstream_bodies = [len(r["body"].encode()) for r in recorded]
        chat_text = (answer_c.get("choices") or [{}])[0].get("message", {}).get("content")
        pass_text = "".join(b.get("text", "") for b in answer_p.get("content", []))
        return {"passthrough_status": status_p, "passthrough_text": pass_text,
                "chat_status": status_c, "chat_text": chat_text,
                "upstream_body_bytes": {"passthrough": upstream_bodies[0] if upstream_bodies else None,
                                        "chat_translated": upstream_bodies[1] if len(upstream_bodies) > 1 else None},
                "upstream_models": [json.loads(r["body"]).get("model") for r in recorded],
                "chat_upstream_stream": json.loads(recorded[1]["body"]).get("stream") if len(recorded) > 1 else None,
                "_chat_upstream_body": recorded[1]["body"].encode() if len(recorded) > 1 else b""}
    finally:
        for proc in reversed(procs):
            proc.stop()


# ---------------------------------------------------------------- main


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=int, default=5, help="seconds per wrk run")
    parser.add_argument("--streams", type=int, default=1000)
    parser.add_argument("--events", type=int, default=20)
    parser.add_argument("--interval-ms", type=int, default=100)
    parser.add_argument("--only", default="micro,latency,canned,streams")
    parser.add_argument("--targets", default="direct,passthrough,chat,passthrough_blocks,passthrough_stream",
                        help="latency rows to run (chat and passthrough are always needed)")
    parser.add_argument("--out", default=str(BENCH_DIR / "results" / "chat.json"))
    args = parser.parse_args()
    phases = set(args.only.split(","))

    chat_body, anthropic_body = bodies()
    results: dict = {"started": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "params": vars(args), "binaries": str(RELEASE),
                     "source": source_info(), "loadavg_start": loadavg(),
                     "client_body_bytes": {"chat": len(chat_body), "anthropic": len(anthropic_body)}}
    procs: list[Proc] = []
    with tempfile.TemporaryDirectory(prefix="switchyard-chat-bench-") as tmp_name:
        tmp = Path(tmp_name)
        try:
            if "micro" in phases:
                results["micro"] = micro_phase()
            results["probe"] = probe(tmp, chat_body, anthropic_body)
            translated = results["probe"].pop("_chat_upstream_body")
            log(f"probe: {results['probe']}")
            if "latency" in phases:
                results["latency_1conn"] = latency_phase(args, tmp, procs, chat_body, anthropic_body, translated)
            if "canned" in phases:
                results["latency_1conn_canned_upstream"] = canned_phase(args, tmp, procs, chat_body, anthropic_body)
            if "streams" in phases:
                results["streams"] = streams_phase(args, tmp, procs)
        finally:
            for proc in reversed(procs):
                proc.stop()
    results["loadavg_end"] = loadavg()
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    log(f"raw results: {out}")
    return 0


def micro_phase() -> dict:
    """The in-process conversion cost (chat-bench), bounded to about 15 s."""
    import subprocess
    binary = RELEASE / "chat-bench"
    if not binary.exists():
        log(f"micro: {binary} not built (swift build -c release --product chat-bench); skipped")
        return {}
    done = subprocess.run([str(binary), "--iterations", "3000"], capture_output=True, text=True, timeout=120, check=True)
    rows = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    out = {row["op"]: row["us"] for row in rows if "us" in row}
    log(f"micro (us per operation, median of 15 batches): {out}")
    return out


def latency_phase(args, tmp: Path, procs: list, chat_body: bytes, anthropic_body: bytes, translated: bytes) -> dict:
    fake, fake_port = start_fake(tmp, "fake", "--no-record")
    procs.append(fake)
    relay, relay_port = start_relay_config(tmp, "relay", relay_config(fake_port))
    procs.append(relay)
    (tmp / "chat.json").write_bytes(chat_body)
    (tmp / "anthropic.json").write_bytes(anthropic_body)
    (tmp / "anthropic-stream.json").write_bytes(streaming(anthropic_body))
    (tmp / "translated.json").write_bytes(translated)
    files = {"direct": tmp / "anthropic.json", "passthrough": tmp / "anthropic.json", "chat": tmp / "chat.json",
             "passthrough_stream": tmp / "anthropic-stream.json", "passthrough_blocks": tmp / "translated.json"}
    ports = {"direct": fake_port, "passthrough": relay_port, "chat": relay_port, "passthrough_stream": relay_port,
             "passthrough_blocks": relay_port}
    targets = tuple(t for t in ("direct", "passthrough", "chat", "passthrough_blocks", "passthrough_stream")
                    if t in args.targets.split(","))
    script = BENCH_DIR / "post_file.lua"

    def once(target: str, seconds: int, measure: bool) -> dict:
        env = {"BENCH_BODY_FILE": str(files[target]),
               "BENCH_HEADERS": "|".join(f"{k}: {v}" for k, v in HEADERS[target].items())}
        pids = {"relay": relay.pid, "fake": fake.pid} if measure else None
        return run_wrk(ports[target], 1, seconds, pids=pids, script=script, path=PATHS[target], env=env)

    log(f"latency, 1 connection, non-streaming ~10 KB bodies: {args.rounds} interleaved rounds of {args.duration} s")
    for target in targets:
        once(target, 1, False)  # warm-up
    runs: dict[str, list] = {t: [] for t in targets}
    for _ in range(args.rounds):
        for target in targets:
            r = once(target, args.duration, True)
            r.pop("wrk_text", None)
            runs[target].append(r)
            log(f"   {target:11s} p50 {r['latency_us']['p50']} us  p99 {r['latency_us']['p99']} us  "
                f"{r['rps']:.0f} req/s  errors {r['errors']}  cpu us/req {json.dumps({k: round(v, 1) for k, v in r['cpu_us_per_request'].items()})}")
    med = statistics.median
    out = {}
    for target in targets:
        rs = runs[target]
        out[target] = {"p50_us": med(r["latency_us"]["p50"] for r in rs), "p99_us": med(r["latency_us"]["p99"] for r in rs),
                       "rps": med(r["rps"] for r in rs), "requests": sum(r["requests"] for r in rs),
                       "errors": {k: sum(r["errors"][k] for r in rs) for k in rs[0]["errors"]},
                       "relay_cpu_us_per_request": med(r["cpu_us_per_request"]["relay"] for r in rs),
                       "fake_cpu_us_per_request": med(r["cpu_us_per_request"]["fake"] for r in rs),
                       "relay_ctx_switches_per_request": med(r["ctx_switches_per_request"]["relay"] for r in rs),
                       "per_round_p50_us": [r["latency_us"]["p50"] for r in rs]}
    out["chat_minus_passthrough_p50_us"] = out["chat"]["p50_us"] - out["passthrough"]["p50_us"]
    out["chat_minus_passthrough_p50_us_per_round"] = [c - p for c, p in zip(out["chat"]["per_round_p50_us"],
                                                                          out["passthrough"]["per_round_p50_us"])]
    out["chat_minus_passthrough_relay_cpu_us"] = (out["chat"]["relay_cpu_us_per_request"]
                                                  - out["passthrough"]["relay_cpu_us_per_request"])
    if "passthrough_blocks" in out:
        out["chat_minus_passthrough_blocks_p50_us"] = out["chat"]["p50_us"] - out["passthrough_blocks"]["p50_us"]
        out["chat_minus_passthrough_blocks_p50_us_per_round"] = [
            c - p for c, p in zip(out["chat"]["per_round_p50_us"], out["passthrough_blocks"]["per_round_p50_us"])]
        out["chat_minus_passthrough_blocks_relay_cpu_us"] = (out["chat"]["relay_cpu_us_per_request"]
                                                             - out["passthrough_blocks"]["relay_cpu_us_per_request"])
        log(f"   chat - passthrough_blocks p50: {out['chat_minus_passthrough_blocks_p50_us']:+.0f} us "
            f"(per round {out['chat_minus_passthrough_blocks_p50_us_per_round']}), relay CPU "
            f"{out['chat_minus_passthrough_blocks_relay_cpu_us']:+.1f} us/request")
    if "passthrough_stream" not in out:
        return finish_latency(out, relay, fake, procs)
    out["chat_minus_passthrough_stream_p50_us"] = out["chat"]["p50_us"] - out["passthrough_stream"]["p50_us"]
    out["chat_minus_passthrough_stream_p50_us_per_round"] = [
        c - p for c, p in zip(out["chat"]["per_round_p50_us"], out["passthrough_stream"]["per_round_p50_us"])]
    out["chat_minus_passthrough_stream_relay_cpu_us"] = (out["chat"]["relay_cpu_us_per_request"]
                                                         - out["passthrough_stream"]["relay_cpu_us_per_request"])
    log(f"   chat - passthrough p50: {out['chat_minus_passthrough_p50_us']:+.0f} us "
        f"(per round {out['chat_minus_passthrough_p50_us_per_round']}), relay CPU "
        f"{out['chat_minus_passthrough_relay_cpu_us']:+.1f} us/request; chat - passthrough_stream p50: "
        f"{out['chat_minus_passthrough_stream_p50_us']:+.0f} us (per round "
        f"{out['chat_minus_passthrough_stream_p50_us_per_round']}), relay CPU "
        f"{out['chat_minus_passthrough_stream_relay_cpu_us']:+.1f} us/request")
    return finish_latency(out, relay, fake, procs)


def canned_stream() -> str:
    """A fixed Anthropic event stream: what the canned upstream answers to every POST."""
    events = [
        ("message_start", {"type": "message_start", "message": {
            "id": "msg_canned", "type": "message", "role": "assistant", "model": "claude-sonnet-4-5", "content": [],
            "stop_reason": None, "stop_sequence": None,
            "usage": {"input_tokens": 2100, "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0, "output_tokens": 1}}}),
        ("content_block_start", {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}}),
        ("ping", {"type": "ping"}),
    ]
    for piece in ["Hello", " from", " the", " canned", " upstream", "."]:
        events.append(("content_block_delta", {"type": "content_block_delta", "index": 0,
                                               "delta": {"type": "text_delta", "text": piece}}))
    events += [
        ("content_block_stop", {"type": "content_block_stop", "index": 0}),
        ("message_delta", {"type": "message_delta", "delta": {"stop_reason": "end_turn", "stop_sequence": None},
                           "usage": {"output_tokens": 7}}),
        ("message_stop", {"type": "message_stop"}),
    ]
    return "".join(f"event: {name}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n" for name, data in events)


CANNED_NGINX_CONF = """\
# Generated by bench/chat.py: a canned upstream that answers every request with one fixed stream.
daemon off;
master_process on;
user root;
worker_processes 1;
pid {tmp}/canned-nginx.pid;
error_log {tmp}/canned-nginx-error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {tmp}/canned-nginx-body;
    client_body_buffer_size 1m;
    keepalive_requests 1000000;
    server {{
        listen 127.0.0.1:{port};
        location / {{
            default_type text/event-stream;
            return 200 '{body}';
        }}
    }}
}}
"""


def canned_phase(args, tmp: Path, procs: list, chat_body: bytes, anthropic_body: bytes) -> dict:
    """Latency rounds with nginx as a canned upstream (see the module docstring, 1')."""
    import shutil
    if not shutil.which("nginx"):
        log("canned: nginx not installed (bench/run.sh installs it); skipped")
        return {}
    from bench import free_port, port_open
    port = free_port()
    body = canned_stream().replace("\\", "\\\\").replace("'", "\\'").replace("\n", "\\n")
    conf = tmp / "canned-nginx.conf"
    conf.write_text(CANNED_NGINX_CONF.format(tmp=tmp, port=port, body=body))
    nginx = Proc("canned-nginx", ["nginx", "-e", str(tmp / "canned-nginx-error.log"), "-p", str(tmp), "-c", str(conf)], tmp)
    procs.append(nginx)
    wait_for(lambda: nginx.alive() and port_open(port), 15, "canned nginx port")
    relay, relay_port = start_relay_config(tmp, "canned-relay", relay_config(port))
    procs.append(relay)
    stream_body = streaming(anthropic_body)
    chat_stream_body = streaming(chat_body)
    (tmp / "canned-anthropic-stream.json").write_bytes(stream_body)
    (tmp / "canned-chat.json").write_bytes(chat_body)
    (tmp / "canned-chat-stream.json").write_bytes(chat_stream_body)
    anthropic_headers = {"x-api-key": CLIENT_KEY, "anthropic-version": "2023-06-01"}
    chat_headers = {"Authorization": f"Bearer {CLIENT_KEY}"}
    rows = {
        "direct_canned": (port, "/v1/messages", tmp / "canned-anthropic-stream.json", anthropic_headers),
        "passthrough_canned": (relay_port, "/v1/messages", tmp / "canned-anthropic-stream.json", anthropic_headers),
        "chat_canned": (relay_port, "/v1/chat/completions", tmp / "canned-chat.json", chat_headers),
        "chat_stream_canned": (relay_port, "/v1/chat/completions", tmp / "canned-chat-stream.json", chat_headers),
    }
    # The answers are what they should be before anything is timed.
    status, answer = post(relay_port, "/v1/chat/completions", chat_body, chat_headers)
    text = ((answer.get("choices") or [{}])[0].get("message") or {}).get("content")
    if status != 200 or text != "Hello from the canned upstream.":
        raise RuntimeError(f"canned chat answer: {status} {answer}")
    script = BENCH_DIR / "post_file.lua"

    def once(row: str, seconds: int, measure: bool) -> dict:
        target_port, path, file, headers = rows[row]
        env = {"BENCH_BODY_FILE": str(file), "BENCH_HEADERS": "|".join(f"{k}: {v}" for k, v in headers.items())}
        pids = {"relay": relay.pid} if measure else None
        return run_wrk(target_port, 1, seconds, pids=pids, script=script, path=path, env=env)

    log(f"latency against a canned upstream (nginx, fixed stream), 1 connection: {args.rounds} interleaved rounds of "
        f"{args.duration} s")
    for row in rows:
        once(row, 1, False)
    runs: dict[str, list] = {row: [] for row in rows}
    for _ in range(args.rounds):
        for row in rows:
            r = once(row, args.duration, True)
            r.pop("wrk_text", None)
            runs[row].append(r)
            log(f"   {row:18s} p50 {r['latency_us']['p50']} us  p99 {r['latency_us']['p99']} us  {r['rps']:.0f} req/s  "
                f"errors {sum(r['errors'].values())}  relay cpu {round(r['cpu_us_per_request'].get('relay', 0), 1)} us/req")
    med = statistics.median
    out: dict = {"canned_stream_bytes": len(canned_stream().encode())}
    for row, rs in runs.items():
        out[row] = {"p50_us": med(r["latency_us"]["p50"] for r in rs), "p99_us": med(r["latency_us"]["p99"] for r in rs),
                    "rps": med(r["rps"] for r in rs), "errors": sum(sum(r["errors"].values()) for r in rs),
                    "relay_cpu_us_per_request": med(r["cpu_us_per_request"].get("relay", 0) for r in rs),
                    "per_round_p50_us": [r["latency_us"]["p50"] for r in rs]}
    for row in ("chat_canned", "chat_stream_canned"):
        per_round = [c - p for c, p in zip(out[row]["per_round_p50_us"], out["passthrough_canned"]["per_round_p50_us"])]
        out[f"{row}_minus_passthrough_p50_us"] = out[row]["p50_us"] - out["passthrough_canned"]["p50_us"]
        out[f"{row}_minus_passthrough_p50_us_per_round"] = per_round
        out[f"{row}_minus_passthrough_p50_us_median_of_rounds"] = med(per_round)
        out[f"{row}_minus_passthrough_relay_cpu_us"] = (out[row]["relay_cpu_us_per_request"]
                                                       - out["passthrough_canned"]["relay_cpu_us_per_request"])
        log(f"   {row} - passthrough_canned p50: {out[f'{row}_minus_passthrough_p50_us']:+.0f} us (per round {per_round}, "
            f"median {med(per_round):+.0f}), relay CPU {out[f'{row}_minus_passthrough_relay_cpu_us']:+.1f} us/request")
    relay.stop()
    procs.remove(relay)
    nginx.stop()
    procs.remove(nginx)
    return out


def finish_latency(out: dict, relay, fake, procs: list) -> dict:
    relay.stop()
    procs.remove(relay)
    fake.stop()
    procs.remove(fake)
    return out


def streams_phase(args, tmp: Path, procs: list) -> dict:
    paced, paced_port = start_fake(tmp, "paced-fake", "--no-record", "--control", f"x-fake-events={args.events}",
                                   "--control", f"x-fake-interval-ms={args.interval_ms}")
    procs.append(paced)
    timeout = args.events * args.interval_ms / 1000 + 30
    out = {}
    for kind, request, checker, marker in (
            ("chat", chat_stream_request(args.events), check_chat_stream, b'"content":"H'),
            ("passthrough", anthropic_stream_request(), None, b"content_block_delta")):
        relay, port = start_relay_config(tmp, f"stream-relay-{kind}", relay_config(paced_port))
        procs.append(relay)
        # Warm the relay (pool, lazy state) with 20 concurrent streams so idle RSS is a fair baseline.
        run_streams(port, None, 20, args.events, args.interval_ms, timeout, request=request, checker=checker,
                    delta_marker=marker)
        time.sleep(0.5)
        log(f"{args.streams} concurrent {kind} streams x {args.events} deltas, {args.interval_ms} ms apart (fresh relay)")
        r = run_streams(port, relay.pid, args.streams, args.events, args.interval_ms, timeout,
                        request=request, checker=checker, delta_marker=marker)
        r["rss_end_kib"] = rss_kib(relay.pid)
        out[kind] = r
        log(f"   {kind:11s} intact {r['intact']}/{r['streams']}  ttfb p50 {fmt(r['ttfb_ms']['p50'])} ms "
            f"p99 {fmt(r['ttfb_ms']['p99'])} ms  first content p99 {fmt(r['first_delta_ms']['p99'])} ms  "
            f"total p50/p99 {fmt(r['total_ms']['p50'], 0)}/{fmt(r['total_ms']['p99'], 0)} ms  "
            f"rss/stream {r['rss_per_stream_kib']:.1f} KiB  listen overflows {r['listen_overflows']}"
            + (f"  failures {r['failures']}" if r["failures"] else ""))
        relay.stop()
        procs.remove(relay)
        time.sleep(1)
    return out


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Loopback benchmark of Switchyard against the same fake upstream reached directly and through
a plain nginx `proxy_pass`.

Started by `bench/run.sh` (which installs nginx and wrk and builds the release binaries).
Standard library only. Everything binds 127.0.0.1 on ephemeral ports, every phase is bounded in
count and time, and every process this script starts is stopped by its own pid.

Phases (the same request goes to all three targets; wrk phases run in interleaved rounds and
report medians):
  a. latency at 1 connection   wrk -c1, `x-fake-fast` non-streaming POST, p50/p99
  a'. diagnostic               the same with `Connection: close` on every request
  b. throughput at 64 conns    wrk -c64, same request, requests/s, proxy CPU per request
  c. 1000 concurrent streams   asyncio raw sockets, 20 deltas 100 ms apart, integrity,
                               time to first byte, relay RSS per stream
  d. 2 MiB request body        `x-fake-echo`, sequential keep-alive client, p50 per request
Writes bench/results/latest.json and prints a summary table.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import re
import select
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
RELEASE = Path(os.environ.get("SWITCHYARD_BIN_DIR") or ROOT / ".build" / "release")
CLIENT_KEY = "sy-bench-key-0123456789abcdef"
UPSTREAM_KEY = "sk-bench-upstream-key-000000"
PATH = "/v1/messages"
TARGETS = ("direct", "nginx", "switchyard")


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


# ---------------------------------------------------------------- processes


class Proc:
    """A child process this script owns; stopped by its pid only."""

    def __init__(self, name: str, argv: list[str], logdir: Path, env: dict | None = None):
        self.name = name
        self.log_path = logdir / f"{name}.log"
        self.log_file = open(self.log_path, "wb")
        self.popen = subprocess.Popen(argv, stdout=self.log_file, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                      env=dict(os.environ, **env) if env else None)
        self.pid = self.popen.pid

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(timeout=5)
        self.log_file.close()

    def alive(self) -> bool:
        return self.popen.poll() is None


def wait_for(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise RuntimeError(f"timed out waiting for {what}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def start_fake(tmp: Path) -> tuple[Proc, int]:
    port_file = tmp / "fake.port"
    proc = Proc("fake-upstream", [str(RELEASE / "fake-upstream"), "--host", "127.0.0.1", "--port", "0",
                                  "--port-file", str(port_file), "--no-record"], tmp)
    try:
        text = wait_for(lambda: port_file.exists() and port_file.read_text().strip(), 30, "fake-upstream port file")
    except BaseException:
        proc.stop()
        raise
    return proc, int(text)


def start_switchyard(tmp: Path, fake_port: int, name: str = "switchyard") -> tuple[Proc, int]:
    config = {
        "version": 1,
        "clients": [{"name": "bench", "key": CLIENT_KEY}],
        "pools": {"claude": [{"name": "fake", "base_url": f"http://127.0.0.1:{fake_port}", "key": UPSTREAM_KEY}]},
    }
    return start_relay_config(tmp, name, config)


def start_relay_config(tmp: Path, name: str, config: dict, env: dict | None = None,
                       log_level: str = "warning", data: Path | None = None) -> tuple[Proc, int]:
    """Starts `switchyard serve` on an ephemeral port with `config` as its all_configs.json (in
    `data`, default a fresh `<name>-data` directory under `tmp`). Raises with the relay's output
    when it exits early (e.g. a config error)."""
    data = data or tmp / f"{name}-data"
    data.mkdir(exist_ok=True)
    path = data / "all_configs.json"
    path.write_text(json.dumps(config, indent=2))
    os.chmod(path, 0o600)
    proc = Proc(name, [str(RELEASE / "switchyard"), "serve", "--data-dir", str(data), "--host", "127.0.0.1",
                       "--port", "0", "--log-level", log_level], tmp, env=env)

    def bound():
        if not proc.alive():
            raise RuntimeError(f"switchyard exited early; see {proc.log_path}:\n{proc.log_path.read_text()[-2000:]}")
        match = re.search(r"listening on http://127\.0\.0\.1:(\d+)", proc.log_path.read_text(errors="replace"))
        return int(match.group(1)) if match else None

    try:
        port = wait_for(bound, 30, "switchyard banner")
        wait_for(lambda: port_open(port), 10, "switchyard port")
    except BaseException:
        proc.stop()
        raise
    return proc, port


NGINX_CONF = """\
# Generated by bench/bench.py: a plain reverse proxy to the fake upstream.
daemon off;
master_process on;
user root;
worker_processes {workers};
worker_rlimit_nofile 16384;
pid {tmp}/nginx.pid;
error_log {tmp}/nginx-error.log warn;
events {{ worker_connections 8192; }}
http {{
    access_log off;
    client_body_temp_path {tmp}/nginx-body;
    proxy_temp_path {tmp}/nginx-proxy;
    fastcgi_temp_path {tmp}/nginx-fastcgi;
    uwsgi_temp_path {tmp}/nginx-uwsgi;
    scgi_temp_path {tmp}/nginx-scgi;
    client_max_body_size 64m;
    # Keep a 2 MiB body in memory (Switchyard also collects it in memory before sending).
    client_body_buffer_size 4m;
    keepalive_requests 1000000;
    upstream fake {{
        server 127.0.0.1:{fake_port};
        keepalive 1024;
        keepalive_requests 1000000;
    }}
    server {{
        listen 127.0.0.1:{port} backlog=4096;
        location / {{
            proxy_pass http://fake;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_buffering off;
        }}
    }}
}}
"""


def start_nginx(tmp: Path, fake_port: int, workers: str) -> tuple[Proc, int]:
    port = free_port()
    conf = tmp / "nginx.conf"
    conf.write_text(NGINX_CONF.format(workers=workers, tmp=tmp, fake_port=fake_port, port=port))
    proc = Proc("nginx", ["nginx", "-e", str(tmp / "nginx-error.log"), "-p", str(tmp), "-c", str(conf)], tmp)
    def up():
        if not proc.alive():
            raise RuntimeError(f"nginx exited: {(tmp / 'nginx-error.log').read_text()}")
        return port_open(port)

    try:
        wait_for(up, 15, "nginx port")
    except BaseException:
        proc.stop()
        raise
    return proc, port


def children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(x) for x in f.read().split()]
    except OSError:
        return []


def rss_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def tree_rss_kib(pid: int) -> int:
    """RSS of a process plus its direct children (nginx master + workers)."""
    return rss_kib(pid) + sum(rss_kib(child) for child in children(pid))


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process and its direct children (nginx workers)."""
    total = 0.0
    tick = os.sysconf("SC_CLK_TCK")
    for p in [pid] + children(pid):
        try:
            with open(f"/proc/{p}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick
        except (OSError, IndexError, ValueError):
            pass
    return total


def context_switches(pid: int) -> int:
    """Voluntary + involuntary context switches of every thread of a process and its children."""
    total = 0
    for p in [pid] + children(pid):
        try:
            tasks = os.listdir(f"/proc/{p}/task")
        except OSError:
            continue
        for task in tasks:
            try:
                with open(f"/proc/{p}/task/{task}/status") as f:
                    total += sum(int(line.split()[1]) for line in f if "ctxt_switches" in line)
            except (OSError, ValueError):
                pass
    return total


def tcp_counters() -> dict[str, int]:
    with open("/proc/net/snmp") as f:
        lines = [line.split() for line in f if line.startswith("Tcp:")]
    return dict(zip(lines[0][1:], (int(x) for x in lines[1][1:])))


# ---------------------------------------------------------------- a, b: wrk


def run_wrk(port: int, connections: int, seconds: int, threads: int = 1, close: bool = False,
            pids: dict[str, int] | None = None, script: Path | None = None, path: str = PATH,
            env: dict | None = None) -> dict:
    """One wrk run. Default: bench/post.lua against /v1/messages; `script`, `path` and `env`
    (extra environment for the Lua script, e.g. BENCH_BODY_FILE for post_file.lua) change that."""
    env = dict(os.environ, BENCH_CONNECTION_CLOSE="1" if close else "0", **(env or {}))
    cpu_before = {name: cpu_seconds(pid) for name, pid in (pids or {}).items()}
    ctx_before = {name: context_switches(pid) for name, pid in (pids or {}).items()}
    argv = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "5s",
            "-s", str(script or BENCH_DIR / "post.lua"), f"http://127.0.0.1:{port}{path}"]
    before = tcp_counters()
    out = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + 30, env=env)
    after = tcp_counters()
    line = next((l for l in out.stdout.splitlines() if l.startswith("BENCH_JSON ")), None)
    if line is None:
        raise RuntimeError(f"wrk printed no result:\n{out.stdout}\n{out.stderr}")
    result = json.loads(line[len("BENCH_JSON "):])
    result["rps"] = result["requests"] / (result["duration_us"] / 1e6)
    # Connections opened on loopback during the run (system-wide counter; the relay's own
    # pooled upstream connections are included, so ~1 per request means one per request).
    result["tcp_active_opens"] = after["ActiveOpens"] - before["ActiveOpens"]
    result["tcp_opens_per_request"] = result["tcp_active_opens"] / max(1, result["requests"])
    # CPU time each server process spent per request (microseconds), from /proc/PID/stat.
    result["cpu_us_per_request"] = {name: (cpu_seconds(pid) - cpu_before[name]) * 1e6 / max(1, result["requests"])
                                    for name, pid in (pids or {}).items()}
    # Context switches per request: each is a thread going to sleep or being woken, i.e. a hop
    # between the event loop threads and the Swift concurrency pool, or the kernel preempting.
    result["ctx_switches_per_request"] = {name: (context_switches(pid) - ctx_before[name]) / max(1, result["requests"])
                                          for name, pid in (pids or {}).items()}
    result["wrk_text"] = out.stdout
    return result


# ---------------------------------------------------------------- c: streams


def stream_request(events: int, interval_ms: int) -> bytes:
    body = json.dumps({"model": "claude-bench", "max_tokens": 64, "stream": True,
                       "messages": [{"role": "user", "content": "stream please"}]}).encode()
    head = (f"POST {PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            f"x-api-key: {CLIENT_KEY}\r\nanthropic-version: 2023-06-01\r\n"
            f"x-fake-events: {events}\r\nx-fake-interval-ms: {interval_ms}\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n")
    return head.encode() + body


def dechunk(data: bytes) -> bytes:
    out = bytearray()
    i = 0
    while True:
        j = data.index(b"\r\n", i)
        size = int(data[i:j].split(b";")[0], 16)
        i = j + 2
        if size == 0:
            return bytes(out)
        out += data[i:i + size]
        i += size + 2


def check_stream(raw: bytes, events: int) -> tuple[bool, str]:
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
        elif "content-length" in headers:
            body = body[:int(headers["content-length"])]
    except (ValueError, IndexError):
        return False, "broken chunked framing"
    names = []
    for block in body.decode("utf-8", "replace").split("\n\n"):
        for line in block.split("\n"):
            if line.startswith("event:"):
                names.append(line[6:].strip())
    deltas = names.count("content_block_delta")
    if deltas != events:
        return False, f"{deltas} deltas of {events}"
    if not names or names[-1] != "message_stop":
        return False, f"last event {names[-1] if names else None}"
    return True, "ok"


async def one_stream(port: int, request: bytes, gate: asyncio.Event, events: int, timeout: float,
                     checker=None, delta_marker: bytes = b"content_block_delta") -> dict:
    await gate.wait()
    t0 = time.perf_counter()
    result = {"ok": False}
    writer = None
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), timeout)
        t_conn = time.perf_counter()
        writer.write(request)
        await writer.drain()
        raw = bytearray()
        t_first = t_delta = None
        deadline = t0 + timeout
        while True:
            chunk = await asyncio.wait_for(reader.read(65536), max(0.01, deadline - time.perf_counter()))
            if not chunk:
                break
            now = time.perf_counter()
            if t_first is None:
                t_first = now
            raw += chunk
            if t_delta is None and delta_marker in raw:
                t_delta = now
        t_end = time.perf_counter()
        ok, why = (checker or check_stream)(bytes(raw), events)
        result = {"ok": ok, "why": why, "connect_ms": (t_conn - t0) * 1e3,
                  "ttfb_ms": (t_first - t0) * 1e3 if t_first else None,
                  "first_delta_ms": (t_delta - t0) * 1e3 if t_delta else None,
                  "total_ms": (t_end - t0) * 1e3}
    except (OSError, asyncio.TimeoutError, asyncio.IncompleteReadError) as error:
        result = {"ok": False, "why": f"{type(error).__name__}: {error}"}
    finally:
        if writer is not None:
            writer.close()
    return result


def pct(values: list[float], p: float) -> float | None:
    if not values:
        return None
    values = sorted(values)
    k = min(len(values) - 1, max(0, int(round(p / 100 * len(values) + 0.5)) - 1))
    return values[k]


class RssSampler(threading.Thread):
    def __init__(self, pid: int, period: float = 0.02):
        super().__init__(daemon=True)
        self.pid, self.period, self.peak, self.stop_flag = pid, period, 0, threading.Event()

    def run(self):
        while not self.stop_flag.is_set():
            self.peak = max(self.peak, tree_rss_kib(self.pid))
            time.sleep(self.period)


async def run_streams_async(port: int, count: int, events: int, interval_ms: int, timeout: float,
                            request: bytes | None = None, checker=None,
                            delta_marker: bytes = b"content_block_delta") -> list[dict]:
    request = request or stream_request(events, interval_ms)
    gate = asyncio.Event()
    tasks = [asyncio.create_task(one_stream(port, request, gate, events, timeout, checker, delta_marker))
             for _ in range(count)]
    await asyncio.sleep(0.1)
    gate.set()
    return await asyncio.gather(*tasks)


def listen_drops() -> dict[str, int]:
    """TcpExt ListenOverflows/ListenDrops: SYNs dropped because a listen backlog was full."""
    with open("/proc/net/netstat") as f:
        lines = [line.split() for line in f if line.startswith("TcpExt:")]
    values = dict(zip(lines[0][1:], (int(x) for x in lines[1][1:])))
    return {k: values.get(k, 0) for k in ("ListenOverflows", "ListenDrops")}


def run_streams(port: int, pid: int | None, count: int, events: int, interval_ms: int, timeout: float,
                request: bytes | None = None, checker=None, delta_marker: bytes = b"content_block_delta") -> dict:
    """`count` concurrent streams on raw sockets (default: bench.py's Anthropic stream request,
    checked by `check_stream`; chat streams pass their own `request` and `checker`)."""
    drops_before = listen_drops()
    idle = tree_rss_kib(pid) if pid else None
    sampler = RssSampler(pid) if pid else None
    if sampler:
        sampler.start()
    started = time.perf_counter()
    results = asyncio.run(run_streams_async(port, count, events, interval_ms, timeout, request, checker, delta_marker))
    wall = time.perf_counter() - started
    if sampler:
        sampler.stop_flag.set()
        sampler.join()
    good = [r for r in results if r["ok"]]
    failures: dict[str, int] = {}
    for r in results:
        if not r["ok"]:
            failures[r["why"]] = failures.get(r["why"], 0) + 1

    def stats(key):
        values = [r[key] for r in good if r.get(key) is not None]
        return {"p50": pct(values, 50), "p90": pct(values, 90), "p99": pct(values, 99),
                "max": max(values) if values else None}

    drops_after = listen_drops()
    out = {"streams": count, "intact": len(good), "failures": failures, "wall_s": wall,
           "listen_overflows": drops_after["ListenOverflows"] - drops_before["ListenOverflows"],
           "connect_ms": stats("connect_ms"), "ttfb_ms": stats("ttfb_ms"),
           "first_delta_ms": stats("first_delta_ms"), "total_ms": stats("total_ms")}
    if pid:
        out["rss_idle_kib"] = idle
        out["rss_peak_kib"] = sampler.peak
        out["rss_per_stream_kib"] = (sampler.peak - idle) / count
    return out


# ---------------------------------------------------------------- d: big body


class KeepAliveClient:
    """A minimal HTTP/1.1 client that keeps its connection and reconnects when the server closed it
    (counted), so a relay that closes after each response pays for its reconnects in the figures."""

    def __init__(self, port: int):
        self.port, self.sock, self.connects, self.retries = port, None, 0, 0

    def _connect(self):
        self.sock = socket.create_connection(("127.0.0.1", self.port), timeout=30)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.connects += 1

    def _peer_closed(self) -> bool:
        readable, _, _ = select.select([self.sock], [], [], 0)
        if not readable:
            return False
        try:
            return self.sock.recv(1, socket.MSG_PEEK) == b""
        except OSError:
            return True

    def close(self):
        if self.sock:
            self.sock.close()
            self.sock = None

    def request(self, data: bytes) -> tuple[int, dict, bytes]:
        for attempt in range(2):
            if self.sock is not None and self._peer_closed():
                self.close()
            if self.sock is None:
                self._connect()
            try:
                self.sock.sendall(data)
                status, headers, body = self._read_response()
            except (ConnectionError, EOFError):
                self.close()
                if attempt == 1:
                    raise
                self.retries += 1
                continue
            if headers.get("connection", "").lower() == "close":
                self.close()
            return status, headers, body
        raise RuntimeError("unreachable")

    def _read_response(self) -> tuple[int, dict, bytes]:
        buf = bytearray()
        while b"\r\n\r\n" not in buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError("closed before a response")
            buf += chunk
        head, _, rest = bytes(buf).partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ")[1])
        headers = {k.strip().lower(): v.strip() for k, _, v in (l.partition(":") for l in lines[1:])}
        body = bytearray(rest)
        if "content-length" in headers:
            need = int(headers["content-length"])
            while len(body) < need:
                chunk = self.sock.recv(65536)
                if not chunk:
                    raise EOFError("closed mid-body")
                body += chunk
            return status, headers, bytes(body[:need])
        if "chunked" in headers.get("transfer-encoding", "").lower():
            while not body.endswith(b"0\r\n\r\n"):
                chunk = self.sock.recv(65536)
                if not chunk:
                    raise EOFError("closed mid-body")
                body += chunk
            return status, headers, dechunk(bytes(body))
        while True:
            chunk = self.sock.recv(65536)
            if not chunk:
                break
            body += chunk
        self.close()
        return status, headers, bytes(body)


def big_body_request(size: int) -> tuple[bytes, int]:
    prefix = b'{"model":"claude-bench","max_tokens":16,"messages":[{"role":"user","content":"'
    suffix = b'"}]}'
    body = prefix + b"x" * (size - len(prefix) - len(suffix)) + suffix
    head = (f"POST {PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            f"x-api-key: {CLIENT_KEY}\r\nanthropic-version: 2023-06-01\r\nx-fake-echo: 1\r\n"
            f"Content-Length: {len(body)}\r\n\r\n")
    return head.encode() + body, len(body)


def run_big_body(port: int, size: int, count: int, warmup: int) -> dict:
    data, body_len = big_body_request(size)
    client = KeepAliveClient(port)
    times, bad = [], 0
    for i in range(warmup + count):
        t0 = time.perf_counter()
        status, _, body = client.request(data)
        elapsed = (time.perf_counter() - t0) * 1e3
        if status != 200 or f"len={body_len}".encode() not in body:
            bad += 1
        if i >= warmup:
            times.append(elapsed)
    client.close()
    return {"requests": count, "body_bytes": body_len, "bad": bad, "times_ms": times,
            "connections_opened": client.connects, "stale_connection_retries": client.retries}


# ---------------------------------------------------------------- profile


def profile_relay(pid: int, port: int, seconds: int, outdir: Path) -> str | None:
    if not shutil.which("perf"):
        return None
    data = outdir / "perf.data"
    # DWARF call graphs: Swift frames are not reliably walked with frame pointers.
    perf = subprocess.Popen(["perf", "record", "-F", "199", "--call-graph", "dwarf,16384", "-o", str(data),
                             "-p", str(pid), "--", "sleep", str(seconds)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    run_wrk(port, 64, seconds)
    perf.wait(timeout=60)
    def report(sort: str, limit: str, children: bool = False) -> list[str]:
        out = subprocess.run(["perf", "report", "-i", str(data), "--stdio", "--children" if children else "--no-children",
                              "--sort", sort, "-g", "none", "--percent-limit", limit],
                             capture_output=True, text=True, timeout=240).stdout
        if shutil.which("swift"):
            out = subprocess.run(["swift", "demangle", "--simplified"], input=out, capture_output=True, text=True,
                                 timeout=60).stdout or out
        rows = [re.sub(r"\s+", " ", l).strip() for l in out.splitlines() if l.strip() and not l.startswith("#")]
        return rows or ["(perf report printed nothing for this view)"]

    lines = ["# self time by shared object"] + report("dso", "0.5")
    lines += ["", "# self time by symbol (>= 0.5%)"] + report("dso,symbol", "0.5")
    # Inclusive time of the frames that say where the work comes from (relay code, logging, the
    # HTTP client and server layers), leaving out NIO's and the kernel's plumbing.
    interesting = re.compile(r"Relay|Upstream|Usage|Ledger|SQL|RequestLogSink|Logger|LogHandler|prettify|HTTPClient|"
                             r"HTTP1Connection|HTTP1ClientChannelHandler|Transaction\.|HTTP1Channel|HTTPServer|Router|"
                             r"JSON|HeaderPolicy|ClientAuthenticator|Connection(Watch|Registry|CloseHandler)|consumeWith|"
                             r"accept4|close0|swift_task_create|getGenericMetadata")
    inclusive = [l for l in report("symbol", "1", children=True) if interesting.search(l) and "(inlined)" not in l]
    lines += ["", "# inclusive time (children) of selected frames (>= 1%)"] + inclusive
    (outdir / "profile.txt").write_text("\n".join(lines) + "\n")
    if not os.environ.get("BENCH_KEEP_PERF_DATA"):
        data.unlink(missing_ok=True)
    return str(outdir / "profile.txt")


# ---------------------------------------------------------------- main


def fmt(value, digits=2):
    return "-" if value is None else f"{value:.{digits}f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=int, default=5, help="seconds per wrk run (default 5)")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds per wrk phase and for the body (default 3)")
    parser.add_argument("--close-duration", type=int, default=4, help="seconds per `Connection: close` diagnostic run")
    parser.add_argument("--streams", type=int, default=1000)
    parser.add_argument("--events", type=int, default=20)
    parser.add_argument("--interval-ms", type=int, default=100)
    parser.add_argument("--body-mib", type=float, default=2.0)
    parser.add_argument("--body-requests", type=int, default=60, help="2 MiB requests per target, over all rounds")
    parser.add_argument("--nginx-workers", default="auto")
    parser.add_argument("--only", default="streams,latency,close,throughput,body",
                        help="comma-separated phases to run (default all: streams,latency,close,throughput,body)")
    parser.add_argument("--profile", action="store_true", help="also perf-profile the relay under 64 connections")
    parser.add_argument("--out", default=str(BENCH_DIR / "results" / "latest.json"))
    args = parser.parse_args()

    procs: list[Proc] = []
    tmp = Path(tempfile.mkdtemp(prefix="switchyard-bench-"))
    results: dict = {"started": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "params": vars(args),
                     "binaries": str(RELEASE), "source": source_info(), "loadavg_start": loadavg()}
    try:
        fake, fake_port = start_fake(tmp)
        procs.append(fake)
        nginx, nginx_port = start_nginx(tmp, fake_port, args.nginx_workers)
        procs.append(nginx)
        relay, relay_port = start_switchyard(tmp, fake_port)
        procs.append(relay)
        ports = {"direct": fake_port, "nginx": nginx_port, "switchyard": relay_port}
        log(f"fake-upstream :{fake_port}  nginx :{nginx_port} (workers {args.nginx_workers})  switchyard :{relay_port}")
        results["machine"] = machine_info(args.nginx_workers, len(children(nginx.pid)))

        phases = set(args.only.split(","))
        # RSS sampled per target: for "direct" it is the fake upstream's own (a Hummingbird server
        # holding the stream, for scale); for nginx and Switchyard the proxy's.
        pids = {"direct": fake.pid, "nginx": nginx.pid, "switchyard": relay.pid}
        cpu_pids = {"direct": {"fake": fake.pid}, "nginx": {"proxy": nginx.pid, "fake": fake.pid},
                    "switchyard": {"proxy": relay.pid, "fake": fake.pid}}

        # c first, on this fresh relay, so idle RSS is not inflated by the wrk phases.
        if "streams" in phases:
            run_streams_phase(args, ports, pids, relay_port, results)
            # A fresh relay for the rest: the streams leave hundreds of idle pooled upstream
            # connections behind, which the HTTP client scans on every request.
            relay.stop()
            procs.remove(relay)
            relay, relay_port = start_switchyard(tmp, fake_port, name="switchyard-2")
            procs.append(relay)
            ports["switchyard"] = relay_port
            cpu_pids["switchyard"]["proxy"] = relay.pid
        if "latency" in phases:
            run_latency_phase(args, ports, cpu_pids, results)
        if "close" in phases:
            run_close_phase(args, ports, results)
        if "throughput" in phases:
            run_throughput_phase(args, ports, cpu_pids, results)
        if "body" in phases:
            run_body_phase(args, ports, results)

        results["relay_rss_end_kib"] = rss_kib(relay.pid)
        results["loadavg_end"] = loadavg()
        if args.profile:
            log("profile: perf record on the relay under 64 connections")
            results["profile"] = profile_relay(relay.pid, relay_port, 8, BENCH_DIR / "results")
    finally:
        for proc in reversed(procs):
            proc.stop()
        results["logs_dir"] = str(tmp)
    return finish(args, results, tmp)


def run_streams_phase(args, ports, pids, relay_port, results):
    log(f"c. {args.streams} concurrent streams x {args.events} deltas, {args.interval_ms} ms apart")
    # Warm the relay (outbound pool, lazy state) so idle RSS is a fair baseline.
    warm = KeepAliveClient(relay_port)
    warm_req, _ = big_body_request(4096)
    for _ in range(20):
        warm.request(warm_req)
    warm.close()
    time.sleep(0.5)
    stream_timeout = args.events * args.interval_ms / 1000 + 30
    results["streams"] = {}
    for target in TARGETS:
        r = run_streams(ports[target], pids[target], args.streams, args.events, args.interval_ms, stream_timeout)
        results["streams"][target] = r
        log(f"   {target:10s} intact {r['intact']}/{r['streams']}  ttfb p50 {fmt(r['ttfb_ms']['p50'])} ms "
            f"p99 {fmt(r['ttfb_ms']['p99'])} ms  connect p99 {fmt(r['connect_ms']['p99'])} ms  "
            f"total p50/p99 {fmt(r['total_ms']['p50'], 0)}/{fmt(r['total_ms']['p99'], 0)} ms"
            + (f"  rss/stream {r['rss_per_stream_kib']:.1f} KiB" if "rss_per_stream_kib" in r else "")
            + f"  listen overflows {r['listen_overflows']}"
            + (f"  failures {r['failures']}" if r["failures"] else ""))
        time.sleep(1)


def wrk_line(r: dict) -> str:
    cpu = {k: round(v, 1) for k, v in r.get("cpu_us_per_request", {}).items()}
    ctx = {k: round(v, 1) for k, v in r.get("ctx_switches_per_request", {}).items()}
    rounds = f"  rounds req/s {[x['rps'] for x in r['per_round']]}" if len(r.get("per_round", [])) > 1 else ""
    return (f"{r['rps']:.0f} req/s  p50 {r['latency_us']['p50']:.0f} us  p99 {r['latency_us']['p99']:.0f} us  "
            f"errors {r['errors']}  tcp opens/request {r['tcp_opens_per_request']:.2f}"
            + (f"  cpu us/request {json.dumps(cpu)}  context switches/request {json.dumps(ctx)}" if cpu else "")
            + rounds)


def combine_wrk(runs: list[dict]) -> dict:
    """Medians over interleaved rounds (the machine is shared: a single run can be hit by noise)."""
    med = statistics.median
    out = {
        "rounds": len(runs),
        "rps": med(r["rps"] for r in runs),
        "latency_us": {k: med(r["latency_us"][k] for r in runs) for k in runs[0]["latency_us"]},
        "errors": {k: sum(r["errors"][k] for r in runs) for k in runs[0]["errors"]},
        "requests": sum(r["requests"] for r in runs),
        "tcp_opens_per_request": med(r["tcp_opens_per_request"] for r in runs),
        "per_round": [{"rps": round(r["rps"]), "p50_us": r["latency_us"]["p50"], "p99_us": r["latency_us"]["p99"]}
                      for r in runs],
    }
    for key in ("cpu_us_per_request", "ctx_switches_per_request"):
        if runs[0].get(key):
            out[key] = {k: med(r[key][k] for r in runs) for k in runs[0][key]}
    return out


def run_wrk_rounds(ports, cpu_pids, connections: int, seconds: int, rounds: int, close: bool = False) -> dict:
    for target in TARGETS:  # warm-up
        run_wrk(ports[target], connections, 1, close=close)
    runs: dict[str, list] = {t: [] for t in TARGETS}
    for _ in range(rounds):  # A B C A B C ...
        for target in TARGETS:
            runs[target].append(run_wrk(ports[target], connections, seconds, close=close,
                                        pids=cpu_pids[target] if cpu_pids else None))
    return {t: combine_wrk(runs[t]) for t in TARGETS}


def run_latency_phase(args, ports, cpu_pids, results):
    log(f"a. latency, 1 connection: {args.rounds} interleaved rounds of {args.duration} s per target")
    results["latency_1conn"] = run_wrk_rounds(ports, cpu_pids, 1, args.duration, args.rounds)
    for target, r in results["latency_1conn"].items():
        log(f"   {target:10s} {wrk_line(r)}")


def run_close_phase(args, ports, results):
    log(f"a'. diagnostic: 1 connection, `Connection: close` on every request, {args.close_duration} s per target")
    results["latency_1conn_close"] = run_wrk_rounds(ports, None, 1, args.close_duration, 1, close=True)
    for target, r in results["latency_1conn_close"].items():
        log(f"   {target:10s} {wrk_line(r)}")


def run_throughput_phase(args, ports, cpu_pids, results):
    log(f"b. throughput, 64 connections: {args.rounds} interleaved rounds of {args.duration} s per target")
    results["throughput_64conn"] = run_wrk_rounds(ports, cpu_pids, 64, args.duration, args.rounds)
    for target, r in results["throughput_64conn"].items():
        log(f"   {target:10s} {wrk_line(r)}")


def run_body_phase(args, ports, results):
    size = int(args.body_mib * 1024 * 1024)
    per_round = max(1, args.body_requests // args.rounds)
    log(f"d. {size} byte request body: {args.rounds} interleaved rounds of {per_round} sequential requests per target")
    runs: dict[str, list] = {t: [] for t in TARGETS}
    for i in range(args.rounds):
        for target in TARGETS:
            runs[target].append(run_big_body(ports[target], size, per_round, 5 if i == 0 else 1))
    results["big_body"] = {}
    for target in TARGETS:
        times = [t for r in runs[target] for t in r["times_ms"]]
        r = {"requests": len(times), "body_bytes": runs[target][0]["body_bytes"],
             "bad": sum(x["bad"] for x in runs[target]), "p50_ms": statistics.median(times), "p99_ms": pct(times, 99),
             "min_ms": min(times), "max_ms": max(times),
             "connections_opened": sum(x["connections_opened"] for x in runs[target]),
             "stale_connection_retries": sum(x["stale_connection_retries"] for x in runs[target])}
        results["big_body"][target] = r
        log(f"   {target:10s} p50 {r['p50_ms']:.2f} ms  p99 {r['p99_ms']:.2f} ms  bad {r['bad']}  "
            f"connections opened {r['connections_opened']} for {r['requests'] + 5 + args.rounds - 1} requests")


def finish(args, results: dict, tmp: Path) -> int:
    results["summary"] = summarize(results)
    for r in [r for key in ("latency_1conn", "latency_1conn_close", "throughput_64conn")
              for r in results.get(key, {}).values()]:
        r.pop("wrk_text", None)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    print_summary(results["summary"])
    log(f"raw results: {out}")
    for proc_name in ("switchyard", "switchyard-2", "fake-upstream", "nginx-error"):
        path = tmp / f"{proc_name}.log"
        if path.exists() and path.stat().st_size:
            tail = path.read_text(errors="replace").strip().splitlines()[-3:]
            log(f"{path.name} (last lines): " + " | ".join(tail))
    shutil.rmtree(tmp, ignore_errors=True)
    return 0


def loadavg() -> str:
    try:
        return open("/proc/loadavg").read().strip()
    except OSError:
        return "?"


def source_info() -> dict:
    """Which source the binaries were built from (as far as the working tree tells)."""
    def git(*argv):
        try:
            out = subprocess.run(["git", "-C", str(ROOT), *argv], capture_output=True, text=True, timeout=30)
            return out.stdout.strip()
        except (OSError, subprocess.TimeoutExpired):
            return ""
    if os.environ.get("SWITCHYARD_BIN_DIR"):
        return {"prebuilt": os.environ["SWITCHYARD_BIN_DIR"], "note": os.environ.get("SWITCHYARD_BENCH_SOURCE_NOTE", "")}
    return {"commit": git("rev-parse", "--short", "HEAD"),
            "uncommitted_source_changes": bool(git("status", "--porcelain", "--", "Sources", "Package.swift")),
            "note": os.environ.get("SWITCHYARD_BENCH_SOURCE_NOTE", "")}


def machine_info(nginx_workers: str, worker_count: int) -> dict:
    def cmd(argv):
        try:
            out = subprocess.run(argv, capture_output=True, text=True, timeout=30)
            return (out.stdout + out.stderr).strip().splitlines()[0]
        except (OSError, IndexError, subprocess.TimeoutExpired):
            return None
    cpu = None
    try:
        cpu = next(l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return {"cpus": os.cpu_count(), "cpu_model": cpu, "kernel": platform.release(), "swift": cmd(["swift", "--version"]),
            "nginx": cmd(["nginx", "-v"]), "nginx_workers": f"{nginx_workers} ({worker_count} workers)",
            "wrk": cmd(["wrk", "-v"]), "python": platform.python_version()}


def summarize(results: dict) -> dict:
    s: dict = {}
    lat = results.get("latency_1conn")
    if lat:
        d, n, r = (lat[t]["latency_us"] for t in TARGETS)
        s["latency_1conn_us"] = {t: {"p50": lat[t]["latency_us"]["p50"], "p99": lat[t]["latency_us"]["p99"]} for t in TARGETS}
        s["added_p50_us"] = {"switchyard": r["p50"] - d["p50"], "nginx": n["p50"] - d["p50"]}
        s["added_p99_us"] = {"switchyard": r["p99"] - d["p99"], "nginx": n["p99"] - d["p99"]}
        s["proxy_cpu_us_per_request_1conn"] = {t: lat[t].get("cpu_us_per_request", {}).get("proxy") for t in TARGETS}
        s["proxy_ctx_switches_per_request_1conn"] = {t: lat[t].get("ctx_switches_per_request", {}).get("proxy")
                                                     for t in TARGETS}
    lc = results.get("latency_1conn_close")
    if lc:
        s["latency_1conn_close_us"] = {t: {"p50": lc[t]["latency_us"]["p50"], "p99": lc[t]["latency_us"]["p99"],
                                           "rps": round(lc[t]["rps"])} for t in TARGETS}
    thr = results.get("throughput_64conn")
    if thr:
        s["rps_64conn"] = {t: round(thr[t]["rps"]) for t in TARGETS}
        s["rps_ratio"] = {"switchyard/nginx": thr["switchyard"]["rps"] / thr["nginx"]["rps"],
                          "switchyard/direct": thr["switchyard"]["rps"] / thr["direct"]["rps"],
                          "nginx/direct": thr["nginx"]["rps"] / thr["direct"]["rps"]}
        s["wrk_errors_64conn"] = {t: thr[t]["errors"] for t in TARGETS}
        s["tcp_opens_per_request_64conn"] = {t: round(thr[t]["tcp_opens_per_request"], 3) for t in TARGETS}
        s["proxy_cpu_us_per_request_64conn"] = {t: thr[t]["cpu_us_per_request"].get("proxy") for t in TARGETS}
        s["proxy_ctx_switches_per_request_64conn"] = {t: thr[t]["ctx_switches_per_request"].get("proxy")
                                                      for t in TARGETS}
    st = results.get("streams")
    if st:
        s["streams"] = {t: {"intact": f"{st[t]['intact']}/{st[t]['streams']}", "ttfb_p50_ms": st[t]["ttfb_ms"]["p50"],
                            "ttfb_p99_ms": st[t]["ttfb_ms"]["p99"], "connect_p99_ms": st[t]["connect_ms"]["p99"],
                            "first_delta_p99_ms": st[t]["first_delta_ms"]["p99"], "total_p99_ms": st[t]["total_ms"]["p99"],
                            "rss_per_stream_kib": st[t].get("rss_per_stream_kib"),
                            "listen_overflows": st[t].get("listen_overflows")} for t in TARGETS}
    bb = results.get("big_body")
    if bb:
        s["big_body_p50_ms"] = {t: bb[t]["p50_ms"] for t in TARGETS}
        s["big_body_added_ms"] = {"switchyard": bb["switchyard"]["p50_ms"] - bb["direct"]["p50_ms"],
                                  "nginx": bb["nginx"]["p50_ms"] - bb["direct"]["p50_ms"]}
    return s


def print_summary(s: dict) -> None:
    rows = []
    if "latency_1conn_us" in s:
        l = s["latency_1conn_us"]
        rows.append(("a. p50 latency, 1 conn (us)", *(fmt(l[t]["p50"], 0) for t in TARGETS),
                     f"{s['added_p50_us']['switchyard']:+.0f} us (nginx {s['added_p50_us']['nginx']:+.0f})", "<= +100 us"))
        rows.append(("a. p99 latency, 1 conn (us)", *(fmt(l[t]["p99"], 0) for t in TARGETS),
                     f"{s['added_p99_us']['switchyard']:+.0f} us (nginx {s['added_p99_us']['nginx']:+.0f})", "<= +1000 us"))
        rows.append(("a. proxy CPU per request (us)", *(fmt(s["proxy_cpu_us_per_request_1conn"][t], 1) for t in TARGETS),
                     "", ""))
        rows.append(("a. proxy context switches/request", *(fmt(s["proxy_ctx_switches_per_request_1conn"][t], 1)
                                                           for t in TARGETS), "", ""))
    if "latency_1conn_close_us" in s:
        l = s["latency_1conn_close_us"]
        rows.append(("a'. p50, 1 conn, Connection: close (us)", *(fmt(l[t]["p50"], 0) for t in TARGETS),
                     f"{l['switchyard']['p50'] - l['direct']['p50']:+.0f} us", "diagnostic"))
        rows.append(("a'. req/s, 1 conn, Connection: close", *(l[t]["rps"] for t in TARGETS), "", "diagnostic"))
    if "rps_64conn" in s:
        r = s["rps_64conn"]
        rows.append(("b. req/s, 64 conns", *(r[t] for t in TARGETS),
                     f"{s['rps_ratio']['switchyard/nginx']:.2f}x nginx, {s['rps_ratio']['switchyard/direct']:.2f}x direct",
                     ">= 0.5x nginx"))
        rows.append(("b. TCP opens per request", *(s["tcp_opens_per_request_64conn"][t] for t in TARGETS), "", "~0"))
        rows.append(("b. proxy CPU per request (us)", *(fmt(s["proxy_cpu_us_per_request_64conn"][t], 1) for t in TARGETS),
                     "", ""))
        rows.append(("b. proxy context switches/request", *(fmt(s["proxy_ctx_switches_per_request_64conn"][t], 1)
                                                           for t in TARGETS), "", ""))
    if "streams" in s:
        st = s["streams"]
        rows.append(("c. streams intact", *(st[t]["intact"] for t in TARGETS), "", "all"))
        rows.append(("c. SYNs dropped, full backlog", *(st[t]["listen_overflows"] for t in TARGETS), "", ""))
        rows.append(("c. TTFB p50 (ms)", *(fmt(st[t]["ttfb_p50_ms"]) for t in TARGETS), "", ""))
        rows.append(("c. TTFB p99 (ms)", *(fmt(st[t]["ttfb_p99_ms"]) for t in TARGETS), "", ""))
        rows.append(("c. stream total p99 (ms)", *(fmt(st[t]["total_p99_ms"], 0) for t in TARGETS), "", ""))
        rows.append(("c. RSS per stream (KiB)", fmt(st["direct"]["rss_per_stream_kib"], 1) + " (fake)",
                     fmt(st["nginx"]["rss_per_stream_kib"], 1),
                     fmt(st["switchyard"]["rss_per_stream_kib"], 1), "", "<= 32 KiB"))
    if "big_body_p50_ms" in s:
        b = s["big_body_p50_ms"]
        rows.append(("d. 2 MiB body p50 (ms)", *(fmt(b[t]) for t in TARGETS),
                     f"{s['big_body_added_ms']['switchyard']:+.2f} ms (nginx {s['big_body_added_ms']['nginx']:+.2f})",
                     "<= +5 ms"))
    header = ("measure", "direct", "nginx", "switchyard", "switchyard vs", "goal")
    widths = [max(len(str(row[i])) for row in rows + [header]) for i in range(len(header))]
    print()
    for row in [header, tuple("-" * w for w in widths)] + rows:
        print("  ".join(str(cell).ljust(w) for cell, w in zip(row, widths)))
    print()


if __name__ == "__main__":
    sys.exit(main())

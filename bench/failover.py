#!/usr/bin/env python3
"""Failover figures: the latency a failing first upstream adds, and the success rate when every
upstream fails a share of attempts at random. Loopback only, bounded (about a minute).

    python3 bench/failover.py [--requests 1000] [--random-requests 20000]

No request carries `x-fake-fast`: the fake answers that header with its fixed 200 before it looks
at `x-fake-status` or `--failure-rate`, so with it no upstream would ever fail. Every row (baseline
included) therefore takes the fake's normal Messages path.

Latency: three relays, measured in interleaved rounds on one keep-alive connection each:
  baseline         one healthy upstream
  refused_first    [a port nobody listens on, the healthy fake]  (connection refused -> switch)
  status500_first  [a fake answering 500 to everything, the healthy fake]  (500 -> switch)
The failing upstreams never cool down (`health.error_threshold` 1000000), so every request pays
for one failover. Added = failover row minus baseline, at p50 and p99.
Random failures: three fakes that each answer 500 to 10% of requests at random, 8 client threads;
the share of client requests that got a 200. Run twice: with default health and retry settings,
then with cooldowns off (`health.error_threshold` 1000000), to tell the failover itself from the
cooldowns; /api/status is sampled meanwhile (how many upstreams are cooling).

Needs release binaries in .build/release (bench/run.sh builds them) or SWITCHYARD_BIN_DIR.
Figures go to stdout and bench/results/failover.json; docs/BENCHMARKS.md records them.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import socket
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench import CLIENT_KEY, RELEASE, UPSTREAM_KEY, Proc, log, wait_for  # noqa: E402

BODY = json.dumps({"model": "claude-sonnet-4-5", "max_tokens": 8, "messages": [{"role": "user", "content": "hi"}]}).encode()


def start_fake(tmp: Path, name: str, *args: str) -> tuple[Proc, int]:
    port_file = tmp / f"{name}.port"
    proc = Proc(name, [str(RELEASE / "fake-upstream"), "--host", "127.0.0.1", "--port", "0", "--port-file", str(port_file),
                       "--no-record", *args], tmp)
    text = wait_for(lambda: port_file.exists() and port_file.read_text().strip(), 30, f"{name} port file")
    return proc, int(text)


ADMIN_TOKEN = "sya-bench-admin-token-0123456789abcdefghij"


def start_relay(tmp: Path, name: str, upstreams: list[str], health: dict | None = None) -> tuple[Proc, int]:
    data = tmp / f"{name}-data"
    data.mkdir(exist_ok=True)
    config = {
        "version": 1,
        "clients": [{"name": "bench", "key": CLIENT_KEY}],
        "pools": {"claude": [{"name": f"u{i}", "base_url": url, "key": f"{UPSTREAM_KEY}-{i}"} for i, url in enumerate(upstreams)]},
        "health": health or {},
    }
    (data / "all_configs.json").write_text(json.dumps(config))
    os.chmod(data / "all_configs.json", 0o600)
    proc = Proc(name, [str(RELEASE / "switchyard"), "serve", "--data-dir", str(data), "--host", "127.0.0.1", "--port", "0",
                       "--log-level", "error"], tmp, env={"SWITCHYARD_ADMIN_TOKEN": ADMIN_TOKEN})

    def bound():
        if not proc.alive():
            raise RuntimeError(f"{name} exited: {proc.log_path.read_text()[-2000:]}")
        match = re.search(r"listening on http://127\.0\.0\.1:(\d+)", proc.log_path.read_text(errors="replace"))
        return int(match.group(1)) if match else None

    return proc, wait_for(bound, 30, f"{name} banner")


def latencies(conn: http.client.HTTPConnection, count: int, warmup: int = 0) -> tuple[list[float], int]:
    headers = {"x-api-key": CLIENT_KEY, "content-type": "application/json", "anthropic-version": "2023-06-01"}
    samples, failures = [], 0
    for index in range(count + warmup):
        started = time.perf_counter()
        conn.request("POST", "/v1/messages", body=BODY, headers=headers)
        response = conn.getresponse()
        response.read()
        elapsed = time.perf_counter() - started
        if index >= warmup:
            samples.append(elapsed * 1000)
            failures += response.status != 200
    return samples, failures


def recent_attempts(port: int) -> dict[str, int]:
    """How many upstream attempts the relay's last (up to 50) requests took, from /api/status."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", "/api/status", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
    response = conn.getresponse()
    body = response.read()
    conn.close()
    if response.status != 200:
        return {"status": response.status}
    histogram: dict[str, int] = {}
    for entry in json.loads(body).get("recent_requests", []):
        attempts = entry.get("attempts")
        n = len(attempts) if isinstance(attempts, list) else attempts
        histogram[str(n)] = histogram.get(str(n), 0) + 1
    return histogram


def fake_received(port: int) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", "/_fake/stats")
    stats = json.loads(conn.getresponse().read())
    conn.close()
    return int(stats.get("received", 0))


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def upstream_status(port: int) -> dict:
    """Pool states and retry-budget refusals from /api/status."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", "/api/status", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
    status = json.loads(conn.getresponse().read())
    conn.close()
    pool = status.get("pools", {}).get("claude", {})
    return {"retry_budget_refusals": status.get("retry_budget_refusals"),
            "upstreams": [{k: u.get(k) for k in ("name", "state", "cooldown_reason", "failures", "successes")}
                          for u in pool.get("upstreams", [])]}


def success_rate(port: int, total: int, workers: int) -> dict:
    counts = {"ok": 0, "failed": 0}
    statuses: dict[str, int] = {}
    lock = threading.Lock()
    per_worker = total // workers
    done = threading.Event()
    cooling_samples: list[int] = []

    def watch():
        # How many of the three upstreams are cooling down, sampled every 0.25 s.
        while not done.is_set():
            try:
                cooling_samples.append(sum(u["state"] == "cooling" for u in upstream_status(port)["upstreams"]))
            except (OSError, ValueError, http.client.HTTPException):
                pass
            done.wait(0.25)

    def work():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        headers = {"x-api-key": CLIENT_KEY, "content-type": "application/json", "anthropic-version": "2023-06-01"}
        ok = failed = 0
        seen: dict[str, int] = {}
        for _ in range(per_worker):
            try:
                conn.request("POST", "/v1/messages", body=BODY, headers=headers)
                response = conn.getresponse()
                response.read()
                if response.status == 200:
                    ok += 1
                else:
                    failed += 1
                    seen[str(response.status)] = seen.get(str(response.status), 0) + 1
            except (OSError, http.client.HTTPException):
                failed += 1
                seen["exception"] = seen.get("exception", 0) + 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.close()
        with lock:
            counts["ok"] += ok
            counts["failed"] += failed
            for k, v in seen.items():
                statuses[k] = statuses.get(k, 0) + v

    threads = [threading.Thread(target=work) for _ in range(workers)]
    watcher = threading.Thread(target=watch, daemon=True)
    started = time.monotonic()
    watcher.start()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    done.set()
    watcher.join(timeout=15)
    counts["seconds"] = round(time.monotonic() - started, 2)
    counts["rate"] = counts["ok"] / max(1, counts["ok"] + counts["failed"])
    counts["failed_statuses"] = statuses
    counts["cooling_upstreams_samples"] = {str(n): cooling_samples.count(n) for n in sorted(set(cooling_samples))}
    counts["status_after"] = upstream_status(port)
    return counts


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=1000, help="latency samples per relay, over all rounds")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds for the latency rows")
    parser.add_argument("--random-requests", type=int, default=10000, help="per random-failure run (two runs)")
    parser.add_argument("--workers", type=int, default=8)
    args = parser.parse_args()
    results: dict = {"started": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "params": vars(args), "binaries": str(RELEASE),
                     "loadavg_start": open("/proc/loadavg").read().strip()}
    procs: list[Proc] = []
    with tempfile.TemporaryDirectory(prefix="sy-failover-") as tmp_name:
        tmp = Path(tmp_name)
        try:
            good, good_port = start_fake(tmp, "good")
            broken, broken_port = start_fake(tmp, "broken500", "--control", "x-fake-status=500")
            procs += [good, broken]
            with socket.socket() as s:
                s.bind(("127.0.0.1", 0))
                refused = s.getsockname()[1]
            never_cool = {"error_threshold": 1000000}
            baseline, base_port = start_relay(tmp, "baseline", [f"http://127.0.0.1:{good_port}"])
            via_refused, refused_port = start_relay(tmp, "refused-first", [f"http://127.0.0.1:{refused}", f"http://127.0.0.1:{good_port}"], never_cool)
            via_500, port_500 = start_relay(tmp, "500-first", [f"http://127.0.0.1:{broken_port}", f"http://127.0.0.1:{good_port}"], never_cool)
            procs += [baseline, via_refused, via_500]
            rows = {}
            targets = (("baseline", base_port), ("refused_first", refused_port), ("status500_first", port_500))
            conns = {name: http.client.HTTPConnection("127.0.0.1", port, timeout=30) for name, port in targets}
            samples: dict[str, list[float]] = {name: [] for name, _ in targets}
            failures = {name: 0 for name, _ in targets}
            good_before, broken_before = fake_received(good_port), fake_received(broken_port)
            for name, _ in targets:  # warm-up: connections, pools, lazy state
                latencies(conns[name], 0, warmup=50)
            per_round = max(1, args.requests // args.rounds)
            for _ in range(args.rounds):  # A B C A B C ...
                for name, _ in targets:
                    got, failed = latencies(conns[name], per_round)
                    samples[name] += got
                    failures[name] += failed
            for conn in conns.values():
                conn.close()
            for name, _ in targets:
                rows[name] = {"requests": len(samples[name]), "p50_ms": round(pct(samples[name], 50), 3),
                              "p90_ms": round(pct(samples[name], 90), 3), "p99_ms": round(pct(samples[name], 99), 3),
                              "failures": failures[name]}
                log(f"{name}: p50 {rows[name]['p50_ms']} ms, p99 {rows[name]['p99_ms']} ms, failures {failures[name]}")
            for name in ("refused_first", "status500_first"):
                rows[name]["added_p50_ms"] = round(rows[name]["p50_ms"] - rows["baseline"]["p50_ms"], 3)
                rows[name]["added_p99_ms"] = round(rows[name]["p99_ms"] - rows["baseline"]["p99_ms"], 3)
            # Proof that the 500 upstream was really tried (and failed) on every request.
            rows["status500_first"]["broken_fake_received"] = fake_received(broken_port) - broken_before
            rows["good_fake_received"] = fake_received(good_port) - good_before
            # Proof that the refused upstream was tried first: attempts per request, last 50 requests.
            rows["refused_first"]["recent_attempts_histogram"] = recent_attempts(refused_port)
            rows["status500_first"]["recent_attempts_histogram"] = recent_attempts(port_500)
            results["failover_latency"] = rows

            flaky, flaky_ports = [], []
            for index in range(3):
                proc, port = start_fake(tmp, f"flaky{index}", "--failure-rate", "0.1", "--failure-status", "500")
                procs.append(proc)
                flaky.append(f"http://127.0.0.1:{port}")
                flaky_ports.append(port)
            # Default health settings (what users run), then the same with cooldowns switched off
            # (error_threshold 1000000), to separate the failover itself from the cooldowns.
            for key, health in (("random_failures", None), ("random_failures_no_cooldown", never_cool)):
                before = sum(fake_received(port) for port in flaky_ports)
                relay, port = start_relay(tmp, key.replace("_", "-"), flaky, health)
                procs.append(relay)
                result = success_rate(port, args.random_requests, args.workers)
                # Attempts the fakes saw: about 1/0.9 per request when each failure is failed over once.
                attempts = sum(fake_received(p) for p in flaky_ports) - before
                result["health"] = health or "defaults"
                result["upstream_attempts"] = attempts
                result["attempts_per_request"] = round(attempts / max(1, args.random_requests), 4)
                results[key] = result
                log(f"3 upstreams failing 10% at random, health {result['health']}: {result}")
                relay.stop()
                procs.remove(relay)
        finally:
            for proc in reversed(procs):
                proc.stop()
    out = Path(__file__).resolve().parent / "results" / "failover.json"
    out.parent.mkdir(exist_ok=True)
    results["loadavg_end"] = open("/proc/loadavg").read().strip()
    out.write_text(json.dumps(results, indent=2))
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())

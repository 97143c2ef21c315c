#!/usr/bin/env python3
"""Failover figures: the latency a failing first upstream adds, and the success rate when every
upstream fails a share of attempts at random. Loopback only, bounded (about a minute).

    python3 bench/failover.py [--requests 400] [--random-requests 4000]

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
                       "--log-level", "error"], tmp)

    def bound():
        if not proc.alive():
            raise RuntimeError(f"{name} exited: {proc.log_path.read_text()[-2000:]}")
        match = re.search(r"listening on http://127\.0\.0\.1:(\d+)", proc.log_path.read_text(errors="replace"))
        return int(match.group(1)) if match else None

    return proc, wait_for(bound, 30, f"{name} banner")


def latencies(port: int, count: int, fast: bool = True) -> tuple[list[float], int]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"x-api-key": CLIENT_KEY, "content-type": "application/json", "anthropic-version": "2023-06-01"}
    if fast:
        headers["x-fake-fast"] = "1"
    samples, failures = [], 0
    for index in range(count + 20):
        started = time.perf_counter()
        conn.request("POST", "/v1/messages", body=BODY, headers=headers)
        response = conn.getresponse()
        response.read()
        elapsed = time.perf_counter() - started
        if index >= 20:
            samples.append(elapsed * 1000)
            failures += response.status != 200
    conn.close()
    return samples, failures


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def success_rate(port: int, total: int, workers: int) -> dict:
    counts = {"ok": 0, "failed": 0}
    lock = threading.Lock()
    per_worker = total // workers

    def work():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        headers = {"x-api-key": CLIENT_KEY, "content-type": "application/json", "x-fake-fast": "1"}
        ok = failed = 0
        for _ in range(per_worker):
            try:
                conn.request("POST", "/v1/messages", body=BODY, headers=headers)
                response = conn.getresponse()
                response.read()
                if response.status == 200:
                    ok += 1
                else:
                    failed += 1
            except (OSError, http.client.HTTPException):
                failed += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.close()
        with lock:
            counts["ok"] += ok
            counts["failed"] += failed

    threads = [threading.Thread(target=work) for _ in range(workers)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    counts["seconds"] = round(time.monotonic() - started, 2)
    counts["rate"] = counts["ok"] / max(1, counts["ok"] + counts["failed"])
    return counts


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--random-requests", type=int, default=4000)
    parser.add_argument("--workers", type=int, default=8)
    args = parser.parse_args()
    results: dict = {"started": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "requests": args.requests}
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
            for name, port in (("baseline", base_port), ("refused_first", refused_port), ("status500_first", port_500)):
                samples, failures = latencies(port, args.requests)
                rows[name] = {"p50_ms": round(pct(samples, 50), 3), "p99_ms": round(pct(samples, 99), 3), "failures": failures}
                log(f"{name}: p50 {rows[name]['p50_ms']} ms, p99 {rows[name]['p99_ms']} ms, failures {failures}")
            for name in ("refused_first", "status500_first"):
                rows[name]["added_p50_ms"] = round(rows[name]["p50_ms"] - rows["baseline"]["p50_ms"], 3)
                rows[name]["added_p99_ms"] = round(rows[name]["p99_ms"] - rows["baseline"]["p99_ms"], 3)
            results["failover_latency"] = rows

            flaky = []
            for index in range(3):
                proc, port = start_fake(tmp, f"flaky{index}", "--failure-rate", "0.1", "--failure-status", "500")
                procs.append(proc)
                flaky.append(f"http://127.0.0.1:{port}")
            random_relay, random_port = start_relay(tmp, "random-failures", flaky)
            procs.append(random_relay)
            results["random_failures"] = success_rate(random_port, args.random_requests, args.workers)
            log(f"3 upstreams failing 10% at random: {results['random_failures']}")
        finally:
            for proc in reversed(procs):
                proc.stop()
    out = Path(__file__).resolve().parent / "results" / "failover.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2))
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Usage ledger figures (loopback only, bounded: about 2 minutes).

    python3 bench/ledger.py [--rounds 3] [--duration 5] [--records 1000000]

1. Throughput with the ledger on vs off: two relays on the same fake upstream, one with the
   default ledger (SQLite `usage.sqlite` in its data dir) and one with `"usage": {"enabled": false}`,
   measured in interleaved rounds of `wrk -t1 -c64` with bench/post.lua (the request of bench.py's
   throughput phase), then the same at 1 connection (latency). If the relay rejects
   `usage.enabled` (unknown keys are config errors) the off side is skipped and reported as
   unsupported. Afterwards the ledger's own counters
   (written / dropped) are read from `/api/token-stats`, so a ledger that silently dropped records
   under load cannot look fast.
2. Stats over many records: a relay creates and migrates a ledger (and stores one real record,
   the template for value formats); then this script writes `--records` request rows straight
   into `requests` plus the matching `usage_rollups` (15-minute buckets) and `usage_daily` (UTC
   days) rows with Python's sqlite3, checks the rollups against the raw rows in SQL, starts a relay
   on that data dir and times `GET /api/token-stats?period=30d` and `?period=all`: the first call
   after start, then `--calls` calls each (p50, p90, max). Answers are checked against the counts.

Needs release binaries in .build/release or SWITCHYARD_BIN_DIR. Raw figures:
bench/results/ledger.json; docs/BENCHMARKS.md records them.
"""

from __future__ import annotations

import argparse
import http.client
import json
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench import (BENCH_DIR, CLIENT_KEY, RELEASE, UPSTREAM_KEY, Proc, cpu_seconds, loadavg, log,  # noqa: E402
                   profile_relay, run_wrk, source_info, start_relay_config, wait_for)

ADMIN_TOKEN = "sya-bench-admin-token-0123456789abcdefghij"
ADMIN_ENV = {"SWITCHYARD_ADMIN_TOKEN": ADMIN_TOKEN}
BUCKET_S = 900  # Migrations.bucketSeconds
DAY_MS = 86_400_000


def start_fake(tmp: Path, name: str = "fake") -> tuple[Proc, int]:
    port_file = tmp / f"{name}.port"
    proc = Proc(name, [str(RELEASE / "fake-upstream"), "--host", "127.0.0.1", "--port", "0", "--port-file",
                       str(port_file), "--no-record"], tmp)
    try:
        text = wait_for(lambda: port_file.exists() and port_file.read_text().strip(), 30, f"{name} port file")
    except BaseException:
        proc.stop()
        raise
    return proc, int(text)


def config(fake_port: int, usage: dict | None = None) -> dict:
    c = {"version": 1, "time_zone": "UTC", "clients": [{"name": "bench", "key": CLIENT_KEY}],
         "pools": {"claude": [{"name": "fake", "base_url": f"http://127.0.0.1:{fake_port}", "key": UPSTREAM_KEY}]}}
    if usage is not None:
        c["usage"] = usage
    return c


def get(port: int, path: str, conn: http.client.HTTPConnection | None = None) -> tuple[int, bytes, float]:
    own = conn is None
    conn = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    started = time.perf_counter()
    conn.request("GET", path, headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
    response = conn.getresponse()
    body = response.read()
    elapsed = (time.perf_counter() - started) * 1e3
    if own:
        conn.close()
    return response.status, body, elapsed


def find_key(obj, key):
    """First value of `key` anywhere in a JSON document (depth first)."""
    if isinstance(obj, dict):
        if key in obj:
            return obj[key]
        for value in obj.values():
            found = find_key(value, key)
            if found is not None:
                return found
    return None


# ---------------------------------------------------------------- 1. throughput on/off


def throughput_phase(args, tmp: Path, procs: list) -> dict:
    fake, fake_port = start_fake(tmp)
    procs.append(fake)
    relays = {}
    on, on_port = start_relay_config(tmp, "ledger-on", config(fake_port), env=ADMIN_ENV)
    procs.append(on)
    relays["ledger_on"] = (on, on_port)
    out: dict = {}
    try:
        off, off_port = start_relay_config(tmp, "ledger-off", config(fake_port, {"enabled": False}), env=ADMIN_ENV)
        procs.append(off)
        relays["ledger_off"] = (off, off_port)
        out["ledger_off_supported"] = True
    except RuntimeError as error:
        text = str(error)
        out["ledger_off_supported"] = False
        out["ledger_off_error"] = text[-600:]
        log(f"the relay rejected usage.enabled=false; measuring ledger-on only:\n{text[-600:]}")
    # Confirm which relay has a ledger: the stats API answers 200 with one, 503 without.
    out["stats_status"] = {name: get(port, "/api/token-stats?period=all")[0] for name, (_, port) in relays.items()}
    log(f"stats API status per relay (200 = ledger running): {out['stats_status']}")

    names = list(relays)
    for name in names:
        run_wrk(relays[name][1], 64, 1)  # warm-up
    runs: dict[str, list] = {n: [] for n in names}
    log(f"throughput, 64 connections: {args.rounds} interleaved rounds of {args.duration} s per relay")
    for _ in range(args.rounds):
        for name in names:
            proc, port = relays[name]
            r = run_wrk(port, 64, args.duration, pids={"relay": proc.pid, "fake": fake.pid})
            r.pop("wrk_text", None)
            runs[name].append(r)
            log(f"   {name:10s} {r['rps']:.0f} req/s  p50 {r['latency_us']['p50']} us  p99 {r['latency_us']['p99']} us  "
                f"errors {r['errors']}  relay cpu {r['cpu_us_per_request']['relay']:.1f} us/req")
    med = statistics.median
    for name in names:
        rs = runs[name]
        out[name] = {"rps": med(r["rps"] for r in rs), "per_round_rps": [round(r["rps"]) for r in rs],
                     "p50_us": med(r["latency_us"]["p50"] for r in rs), "p99_us": med(r["latency_us"]["p99"] for r in rs),
                     "requests": sum(r["requests"] for r in rs),
                     "errors": {k: sum(r["errors"][k] for r in rs) for k in rs[0]["errors"]},
                     "relay_cpu_us_per_request": med(r["cpu_us_per_request"]["relay"] for r in rs)}
    if args.latency_rounds:
        # Latency at 1 connection (bench.py's phase a), on vs off: the durable wait is per request.
        log(f"latency, 1 connection: {args.latency_rounds} interleaved rounds of {args.latency_seconds} s per relay")
        lat: dict[str, list] = {n: [] for n in names}
        for _ in range(args.latency_rounds):
            for name in names:
                proc, port = relays[name]
                r = run_wrk(port, 1, args.latency_seconds, pids={"relay": proc.pid, "fake": fake.pid})
                lat[name].append(r)
                log(f"   {name:10s} p50 {r['latency_us']['p50']} us  p99 {r['latency_us']['p99']} us  {r['rps']:.0f} req/s  "
                    f"relay cpu {r['cpu_us_per_request']['relay']:.1f} us/req  "
                    f"context switches {r['ctx_switches_per_request']['relay']:.1f}/req")
        out["latency_1conn"] = {n: {"p50_us": statistics.median(r["latency_us"]["p50"] for r in lat[n]),
                                    "p99_us": statistics.median(r["latency_us"]["p99"] for r in lat[n]),
                                    "relay_cpu_us_per_request": statistics.median(r["cpu_us_per_request"]["relay"] for r in lat[n]),
                                    "relay_ctx_switches_per_request": statistics.median(r["ctx_switches_per_request"]["relay"] for r in lat[n]),
                                    "per_round_p50_us": [r["latency_us"]["p50"] for r in lat[n]]} for n in names}
    if "ledger_off" in out:
        out["on_over_off"] = out["ledger_on"]["rps"] / out["ledger_off"]["rps"]
        out["on_over_off_per_round"] = [round(a / b, 3) for a, b in zip(out["ledger_on"]["per_round_rps"],
                                                                       out["ledger_off"]["per_round_rps"])]
        log(f"   ledger on / off: {out['on_over_off']:.3f} (per round {out['on_over_off_per_round']})")
    if args.profile:
        # perf profile of each relay under the same load, after the measured rounds.
        for name in names:
            proc, port = relays[name]
            log(f"   perf profile of {name}, {args.profile_seconds} s at 64 connections")
            pdir = tmp / f"profile-{name}"
            pdir.mkdir()
            if profile_relay(proc.pid, port, args.profile_seconds, pdir):
                target = BENCH_DIR / "results" / f"profile-{name.replace('_', '-')}.txt"
                target.write_text((pdir / "profile.txt").read_text())
                out.setdefault("profiles", {})[name] = str(target)
    # Did the ledger keep up? Its counters, once the queue drained.
    time.sleep(2)
    status, body, _ = get(on_port, "/api/token-stats?period=all")
    stats = json.loads(body) if status == 200 else {}
    out["ledger_counters"] = stats.get("ledger")
    out["ledger_total_requests_in_stats"] = find_key(stats.get("summary", {}), "total_requests")
    # The writer's own counters: batches (records per commit) and waits that returned before
    # their record was committed (a response released without the durability guarantee).
    status, body, _ = get(on_port, "/api/status")
    ledger_status = (json.loads(body) if status == 200 else {}).get("ledger") or {}
    out["ledger_status"] = {k: ledger_status.get(k) for k in ("accepted", "written", "batches", "unconfirmed_waits", "dropped")}
    if ledger_status.get("batches"):
        out["records_per_batch"] = round(ledger_status["written"] / ledger_status["batches"], 2)
    log(f"   ledger after the runs: {out['ledger_counters']}, requests in stats {out['ledger_total_requests_in_stats']}, "
        f"writer {out['ledger_status']}, records per commit {out.get('records_per_batch')}")
    for name in names:
        proc = relays[name][0]
        proc.stop()
        procs.remove(proc)
    fake.stop()
    procs.remove(fake)
    return out


# ---------------------------------------------------------------- 2. stats over 1M records


EXPECTED = {
    "requests": ["request_id", "started_at_ms", "client", "inbound", "route", "pool", "upstream", "requested_model",
                 "served_model", "status", "attempts", "duration_seconds", "ttfb_seconds", "input_tokens",
                 "output_tokens", "cache_write_tokens", "cache_write_5m_tokens", "cache_write_1h_tokens",
                 "cache_read_tokens", "reasoning_tokens", "streamed", "partial", "client_cancelled", "error_label"],
    "usage_rollups": ["bucket_start", "model", "requested_model", "upstream", "client", "requests", "failed_requests",
                      "partial_requests", "unknown_usage_requests", "input_tokens", "output_tokens",
                      "cache_write_tokens", "cache_write_1h_tokens", "cache_read_tokens", "reasoning_tokens"],
}
EXPECTED["usage_daily"] = ["local_day"] + EXPECTED["usage_rollups"][1:]
COUNTERS = EXPECTED["usage_rollups"][5:]

# The raw-rows rollup of RollupSQL.fromRawRowsSelect (Sources/RelayStorage/Store/Rollups.swift).
RAW_ROLLUP_SQL = f"""
SELECT (started_at_ms / {BUCKET_S * 1000}) * {BUCKET_S} AS bucket_start,
    COALESCE(served_model, requested_model, '') AS model, COALESCE(requested_model, '') AS requested_model,
    COALESCE(upstream, '') AS upstream, COALESCE(client, '') AS client,
    COUNT(*) AS requests,
    SUM(CASE WHEN status >= 200 AND status < 400 THEN 0 ELSE 1 END) AS failed_requests,
    SUM(CASE WHEN partial THEN 1 ELSE 0 END) AS partial_requests,
    SUM(CASE WHEN input_tokens IS NULL AND output_tokens IS NULL AND cache_write_tokens IS NULL
        AND cache_read_tokens IS NULL AND reasoning_tokens IS NULL THEN 1 ELSE 0 END) AS unknown_usage_requests,
    SUM(COALESCE(input_tokens, 0)), SUM(COALESCE(output_tokens, 0)), SUM(COALESCE(cache_write_tokens, 0)),
    SUM(COALESCE(cache_write_1h_tokens, 0)), SUM(COALESCE(cache_read_tokens, 0)), SUM(COALESCE(reasoning_tokens, 0))
FROM requests GROUP BY 1, 2, 3, 4, 5
"""


def prepare_ledger(tmp: Path, data: Path) -> dict:
    """Starts a relay once on `data` so it creates and migrates usage.sqlite, sends one real request
    (a template row), stops it, and returns the schema and that row."""
    fake, fake_port = start_fake(tmp, "schema-fake")
    try:
        relay, port = start_relay_config(tmp, "schema-relay", config(fake_port), env=ADMIN_ENV, data=data)
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            conn.request("POST", "/v1/messages", body=b'{"model":"claude-sonnet-4-5","max_tokens":8,"messages":[{"role":"user","content":"hi"}]}',
                         headers={"x-api-key": CLIENT_KEY, "anthropic-version": "2023-06-01", "content-type": "application/json"})
            conn.getresponse().read()
            conn.close()
            # The stats call runs migrations and records the daily zone; then wait for the row.
            wait_for(lambda: find_key(json.loads(get(port, "/api/token-stats?period=all")[1]).get("summary", {}),
                                      "total_requests") == 1, 15, "the template record")
        finally:
            relay.stop()
    finally:
        fake.stop()
    db = sqlite3.connect(data / "usage.sqlite")
    schema = {t: [row[1] for row in db.execute(f"PRAGMA table_info({t})")] for t in ("requests", "usage_rollups", "usage_daily", "usage_meta")}
    for table, columns in EXPECTED.items():
        if schema[table] != columns:
            raise RuntimeError(f"schema of {table} differs from what this script writes: {schema[table]}")
    db.row_factory = sqlite3.Row
    template = dict(db.execute("SELECT * FROM requests").fetchone())
    meta = {row["key"]: row["value"] for row in db.execute("SELECT key, value FROM usage_meta")}
    migrations = [row[0] for row in db.execute("SELECT id FROM schema_migrations ORDER BY id")]
    sql = {row[0]: row[1] for row in db.execute("SELECT name, sql FROM sqlite_master WHERE sql IS NOT NULL")}
    db.close()
    # Foundation on Linux names the UTC zone "GMT"; either way the offset is 0, as generate() assumes.
    if meta.get("daily_time_zone") not in ("UTC", "GMT", "Etc/UTC", "Etc/GMT"):
        raise RuntimeError(f"expected the daily rollups in UTC, found {meta}")
    return {"columns": schema, "template_row": template, "usage_meta": meta, "migrations": migrations, "sql": sql}


def generate(data: Path, count: int, days: int, seed: int) -> dict:
    """Writes `count` request rows over the last `days` UTC days plus consistent rollups."""
    rng = random.Random(seed)
    now_ms = int(time.time() * 1000)
    start_ms = (now_ms // DAY_MS - (days - 1)) * DAY_MS  # UTC midnight `days - 1` days ago
    # Realistic spread: a few models (chat requests name gpt-* and are billed as the served Claude
    # model), three upstreams, eight clients, skewed towards the first of each; 3% failures.
    models = [("claude-sonnet-4-5", "claude-sonnet-4-5-20250929", "anthropic", "messages", "claude"),
              ("claude-haiku-4-5", "claude-haiku-4-5-20251001", "anthropic", "messages", "claude"),
              ("claude-opus-4-1", "claude-opus-4-1-20250805", "anthropic", "messages", "claude"),
              ("gpt-4o", "claude-sonnet-4-5-20250929", "openai-chat", "chat_completions", "openai"),
              ("gpt-4o-mini", "claude-haiku-4-5-20251001", "openai-chat", "chat_completions", "openai")]
    upstreams = ["anthropic-main", "relay-b", "weekend-backup"]
    clients = [f"client-{i}" for i in range(8)]
    times = sorted(rng.randrange(start_ms, now_ms) for _ in range(count))
    model_of = rng.choices(range(len(models)), weights=[50, 25, 10, 10, 5], k=count)
    upstream_of = rng.choices(range(3), weights=[70, 24, 6], k=count)
    client_of = rng.choices(range(8), weights=[40, 20, 12, 9, 7, 5, 4, 3], k=count)
    rand = rng.random
    randrange = rng.randrange
    buckets: dict[tuple, list[int]] = {}
    daily: dict[tuple, list[int]] = {}
    rows = []
    append = rows.append
    bucket_ms = BUCKET_S * 1000
    for i in range(count):
        ms = times[i]
        requested, served, inbound, route, pool = models[model_of[i]]
        upstream = upstreams[upstream_of[i]]
        client = clients[client_of[i]]
        roll = rand()
        duration = round(0.5 + 60 * rand(), 3)
        if roll < 0.97:
            streamed = rand() < 0.8
            partial = 1 if streamed and roll < 0.005 else 0
            inp, out, cr = randrange(5, 4000), randrange(10, 3000), randrange(0, 80000)
            cw = randrange(100, 20000) if roll < 0.25 else 0
            append((f"sy_{i:08x}{rng.getrandbits(32):08x}", ms, client, inbound, route, pool, upstream, requested, served,
                    200, 1, duration, round(duration * 0.1, 3), inp, out, cw, cw, 0, cr, None,
                    int(streamed), partial, 0, None))
            key_tail = (served, requested, upstream, client)
            counters = (1, 0, partial, 0, inp, out, cw, 0, cr, 0)
        else:
            status = 429 if roll < 0.985 else 529
            if roll > 0.997:
                upstream = None  # every candidate refused: no upstream answered
            append((f"sy_{i:08x}{rng.getrandbits(32):08x}", ms, client, inbound, route, pool, upstream, requested, None,
                    status, 2, duration, None, None, None, None, None, None, None, None, 0, 0, 0, f"http_{status}"))
            key_tail = (requested, requested, upstream or "", client)
            counters = (1, 1, 0, 1, 0, 0, 0, 0, 0, 0)
        for table, slot in ((buckets, (ms // bucket_ms) * BUCKET_S), (daily, ms // DAY_MS)):
            key = (slot, *key_tail)
            acc = table.get(key)
            if acc is None:
                table[key] = list(counters)
            else:
                for j in range(10):
                    acc[j] += counters[j]
    db = sqlite3.connect(data / "usage.sqlite")
    db.execute("PRAGMA cache_size = -200000")
    started = time.perf_counter()
    with db:
        db.executemany(f"INSERT INTO requests ({', '.join(EXPECTED['requests'])}) VALUES ({', '.join('?' * 24)})", rows)
        for table, acc in (("usage_rollups", buckets), ("usage_daily", daily)):
            cols = EXPECTED[table]
            db.executemany(
                f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))}) "
                f"ON CONFLICT ({', '.join(cols[:5])}) DO UPDATE SET "
                + ", ".join(f"{c} = {table}.{c} + excluded.{c}" for c in COUNTERS),
                ((*k, *v) for k, v in acc.items()))
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    insert_s = time.perf_counter() - started
    # Consistency, in SQL: the bucket rollups equal the rollup of the raw rows (the relay's own
    # RollupSQL), and both rollup tables and the raw table agree on the request count.
    check = {
        "requests_rows": db.execute("SELECT COUNT(*) FROM requests").fetchone()[0],
        "usage_rollups_rows": db.execute("SELECT COUNT(*) FROM usage_rollups").fetchone()[0],
        "usage_daily_rows": db.execute("SELECT COUNT(*) FROM usage_daily").fetchone()[0],
        "rollups_sum": db.execute("SELECT SUM(requests) FROM usage_rollups").fetchone()[0],
        "daily_sum": db.execute("SELECT SUM(requests) FROM usage_daily").fetchone()[0],
        "bucket_rows_differing_from_raw": db.execute(
            f"SELECT COUNT(*) FROM ({RAW_ROLLUP_SQL} EXCEPT SELECT * FROM usage_rollups)").fetchone()[0],
    }
    db.close()
    cutoff_30d = (now_ms // DAY_MS - 29) * DAY_MS
    check["expected_30d"] = sum(1 for ms in times if ms >= cutoff_30d)
    check["insert_seconds"] = round(insert_s, 1)
    check["file_mib"] = round((data / "usage.sqlite").stat().st_size / 2**20, 1)
    return check


def stats_phase(args, tmp: Path, procs: list) -> dict:
    data = tmp / "big-data"
    data.mkdir()
    log("stats: creating and migrating a ledger with a relay, one real record as template")
    prep = prepare_ledger(tmp, data)
    log(f"   schema ok ({', '.join(prep['columns'])}); template row {prep['template_row']}")
    log(f"stats: generating {args.records} records over {args.days} days plus rollups")
    started = time.perf_counter()
    gen = generate(data, args.records - 1, args.days, args.seed)  # + the template row
    gen["generate_seconds"] = round(time.perf_counter() - started, 1)
    log(f"   {gen}")
    if gen["bucket_rows_differing_from_raw"] or gen["rollups_sum"] != gen["requests_rows"] or gen["daily_sum"] != gen["requests_rows"]:
        raise RuntimeError(f"generated rollups are inconsistent: {gen}")
    # The stats relay has no upstream traffic, so the only ledger work is the queries.
    relay, port = start_relay_config(tmp, "stats-relay", config(1), env=ADMIN_ENV, data=data)
    procs.append(relay)
    out: dict = {"generated": gen, "schema_migrations": prep["migrations"], "usage_meta": prep["usage_meta"]}
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    first = {}
    answers = {}
    for period in ("30d", "all"):
        status, body, ms = get(port, f"/api/token-stats?period={period}", conn)
        first[period] = round(ms, 2)
        answers[period] = json.loads(body) if status == 200 else {"status": status, "body": body[:300].decode()}
    out["first_call_ms"] = first
    times: dict[str, list[float]] = {"30d": [], "all": []}
    cpu0 = cpu_seconds(relay.pid)
    for _ in range(args.calls):
        for period in ("30d", "all"):
            status, body, ms = get(port, f"/api/token-stats?period={period}", conn)
            if status != 200:
                raise RuntimeError(f"token-stats {period}: {status} {body[:300]!r}")
            times[period].append(ms)
    cpu_ms = (cpu_seconds(relay.pid) - cpu0) * 1e3 / (2 * args.calls)
    conn.close()
    for period in ("30d", "all"):
        t = sorted(times[period])
        out[period] = {"calls": len(t), "p50_ms": round(statistics.median(t), 2), "p90_ms": round(t[int(0.9 * (len(t) - 1))], 2),
                       "max_ms": round(t[-1], 2), "min_ms": round(t[0], 2),
                       "total_requests_in_answer": find_key(answers[period].get("summary", {}), "total_requests"),
                       "answer_bytes": len(json.dumps(answers[period])),
                       "days_in_answer": len(answers[period].get("daily", {}))}
        log(f"   period={period}: first call {first[period]} ms, p50 {out[period]['p50_ms']} ms, p90 {out[period]['p90_ms']} ms, "
            f"max {out[period]['max_ms']} ms over {len(t)} calls; total_requests {out[period]['total_requests_in_answer']}")
    out["relay_cpu_ms_per_call"] = round(cpu_ms, 2)
    out["answers_match"] = {"30d": out["30d"]["total_requests_in_answer"] == gen["expected_30d"] + 1,
                            "all": out["all"]["total_requests_in_answer"] == gen["requests_rows"]}
    relay.stop()
    procs.remove(relay)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=int, default=5)
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--days", type=int, default=60, help="the records span this many UTC days up to now")
    parser.add_argument("--calls", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--only", default="throughput,stats")
    parser.add_argument("--profile", action="store_true", help="perf-profile both relays after the throughput rounds")
    parser.add_argument("--profile-seconds", type=int, default=4)
    parser.add_argument("--latency-rounds", type=int, default=3, help="1-connection latency rounds, on vs off (0: skip)")
    parser.add_argument("--latency-seconds", type=int, default=3)
    parser.add_argument("--out", default=str(BENCH_DIR / "results" / "ledger.json"))
    args = parser.parse_args()
    phases = set(args.only.split(","))
    results: dict = {"started": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "params": vars(args), "binaries": str(RELEASE),
                     "source": source_info(), "loadavg_start": loadavg()}
    procs: list[Proc] = []
    with tempfile.TemporaryDirectory(prefix="switchyard-ledger-bench-") as tmp_name:
        tmp = Path(tmp_name)
        try:
            if "throughput" in phases:
                results["throughput_64conn"] = throughput_phase(args, tmp, procs)
            if "stats" in phases:
                results["stats"] = stats_phase(args, tmp, procs)
        finally:
            for proc in reversed(procs):
                proc.stop()
    results["loadavg_end"] = loadavg()
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2, default=str) + "\n")
    log(f"raw results: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

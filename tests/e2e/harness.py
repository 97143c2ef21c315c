"""Process and HTTP helpers for the end-to-end suite.

Everything here is bounded in time: every subprocess wait, socket and HTTP call
has a timeout, and every process we start is remembered so that it can be
stopped by pid and its log tail shown when a test fails.
"""

from __future__ import annotations

import datetime
import ipaddress
import json
import os
import shlex
import signal
import socket
import ssl
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, Callable

REPO = Path(__file__).resolve().parents[2]

# Secrets used across the suite. The CANARY strings must never show up in the
# relay's logs; the client key must never reach the upstream nor the logs.
CLIENT_KEY = "sy-e2e-client-key-0001"
WRONG_KEY = "sy-e2e-wrong-key-7777"
ANTHROPIC_UPSTREAM_KEY = "sk-ant-upstream-CANARY-1234567890"
OPENAI_UPSTREAM_KEY = "sk-upstream-CANARY-0987654321"
CANARIES = (ANTHROPIC_UPSTREAM_KEY, OPENAI_UPSTREAM_KEY)
# The admin token every relay in the suite is started with (env SWITCHYARD_ADMIN_TOKEN).
ADMIN_TOKEN = "sy-e2e-admin-token-0123456789abcdef"
ADMIN = {"authorization": f"Bearer {ADMIN_TOKEN}"}

# The fixed usage the fake upstream reports on every call.
ANTHROPIC_USAGE = {
    "input_tokens": 21,
    "cache_creation_input_tokens": 34,
    "cache_read_input_tokens": 55,
    "output_tokens": 13,
}
RESPONSES_USAGE = {
    "input_tokens": 89,
    "cached_tokens": 55,
    "output_tokens": 13,
    "reasoning_tokens": 5,
    "total_tokens": 102,
}

TOOL_MARKER = "switchyard-tool-ok"
HTTP_TIMEOUT = 10.0


def deadline_loop(timeout: float, interval: float = 0.05):
    """Yield until `timeout` seconds have passed (the caller breaks on success)."""
    end = time.monotonic() + timeout
    while True:
        yield
        if time.monotonic() >= end:
            return
        time.sleep(interval)


def wait_until(pred: Callable[[], Any], timeout: float, what: str, interval: float = 0.05) -> Any:
    last_exc: BaseException | None = None
    for _ in deadline_loop(timeout, interval):
        try:
            value = pred()
        except Exception as exc:  # keep polling, report the last error
            last_exc = exc
            continue
        if value:
            return value
    raise AssertionError(f"timed out after {timeout}s waiting for {what}" + (f" (last error: {last_exc!r})" if last_exc else ""))


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def loopback_only() -> tuple[bool, str]:
    """True when this process sits in a network namespace whose only interface is lo."""
    try:
        names = sorted(name for _, name in socket.if_nameindex())
    except OSError as exc:
        return False, f"if_nameindex failed: {exc}"
    if names != ["lo"]:
        return False, f"interfaces in this network namespace: {names}"
    return True, "only lo"


# --------------------------------------------------------------------------
# processes


class Proc:
    """A child process whose stdout and stderr go to files; stopped by pid."""

    registry: list["Proc"] = []

    def __init__(self, name: str, argv: list[str], log_dir: Path, env: dict[str, str] | None = None, cwd: Path | None = None):
        self.name = name
        self.argv = argv
        log_dir.mkdir(parents=True, exist_ok=True)
        self.stdout_path = log_dir / f"{name}.stdout.log"
        self.stderr_path = log_dir / f"{name}.stderr.log"
        self._out = open(self.stdout_path, "wb")
        self._err = open(self.stderr_path, "wb")
        self.popen = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=self._out,
            stderr=self._err,
            env=env,
            cwd=str(cwd) if cwd else None,
            start_new_session=True,
        )
        self.pid = self.popen.pid
        self.stopped = False
        Proc.registry.append(self)

    def alive(self) -> bool:
        return self.popen.poll() is None

    def stop(self, grace: float = 5.0) -> None:
        self.stopped = True
        if self.popen.poll() is None:
            try:
                os.kill(self.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.popen.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                try:
                    os.kill(self.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.popen.wait(timeout=grace)
        for f in (self._out, self._err):
            if not f.closed:
                f.close()

    def log_text(self) -> str:
        parts = []
        for p in (self.stdout_path, self.stderr_path):
            try:
                parts.append(p.read_bytes().decode("utf-8", "replace"))
            except OSError:
                pass
        return "\n".join(parts)

    def tail(self, lines: int = 40) -> str:
        out = []
        for label, p in (("stdout", self.stdout_path), ("stderr", self.stderr_path)):
            try:
                text = p.read_bytes().decode("utf-8", "replace")
            except OSError:
                continue
            rows = text.splitlines()[-lines:]
            if rows:
                out.append(f"--- {self.name} {label} (last {len(rows)} lines) ---")
                out.extend(rows)
        status = "running" if self.alive() else f"exited rc={self.popen.returncode}"
        return f"[{self.name} pid={self.pid} {status}] {shlex.join(self.argv)}\n" + ("\n".join(out) if out else "(no output)")


def resolve_bin(env_name: str, default: str) -> Path:
    raw = os.environ.get(env_name) or default
    p = Path(raw)
    if not p.is_absolute():
        p = REPO / p
    return p


# --------------------------------------------------------------------------
# HTTP helpers (stdlib only, so a broken SDK does not break the harness)


def http_json(method: str, url: str, body: Any = None, headers: dict[str, str] | None = None,
              cafile: str | None = None, timeout: float = HTTP_TIMEOUT) -> tuple[int, Any, dict[str, str]]:
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method)
    if data is not None:
        req.add_header("content-type", "application/json")
    for k, v in (headers or {}).items():
        req.add_header(k, v)
    ctx = ssl.create_default_context(cafile=cafile) if url.startswith("https") else None
    try:
        with urllib.request.urlopen(req, timeout=timeout, context=ctx) as resp:
            raw = resp.read()
            status = resp.status
            hdrs = {k.lower(): v for k, v in resp.headers.items()}
    except urllib.error.HTTPError as err:
        raw = err.read()
        status = err.code
        hdrs = {k.lower(): v for k, v in err.headers.items()}
    try:
        parsed = json.loads(raw) if raw else None
    except ValueError:
        parsed = raw.decode("utf-8", "replace")
    return status, parsed, hdrs


class FakeUpstream:
    """The project's fake-upstream binary, plain HTTP or TLS."""

    def __init__(self, binary: Path, work: Path, name: str = "fake-upstream", tls: "TLSMaterial | None" = None,
                 extra_args: "list[str] | None" = None):
        work.mkdir(parents=True, exist_ok=True)
        self.tls = tls
        port_file = work / f"{name}.port"
        if port_file.exists():
            port_file.unlink()
        argv = [str(binary), "--host", "127.0.0.1", "--port", "0", "--port-file", str(port_file)]
        if tls:
            argv += ["--tls-cert", str(tls.cert), "--tls-key", str(tls.key)]
        argv += list(extra_args or [])
        self.proc = Proc(name, argv, work)

        def read_port():
            if not self.proc.alive():
                raise AssertionError(f"{name} exited early\n{self.proc.tail()}")
            txt = port_file.read_text().strip() if port_file.exists() else ""
            return int(txt) if txt.isdigit() and int(txt) > 0 else None

        try:
            self.port = wait_until(read_port, 15, f"{name} to write its port file {port_file}")
            wait_until(lambda: port_open(self.port), 10, f"{name} to accept on port {self.port}")
        except AssertionError as exc:
            self.proc.stop()
            raise AssertionError(f"{exc}\n{self.proc.tail()}") from None
        self.scheme = "https" if tls else "http"
        self.origin = f"{self.scheme}://127.0.0.1:{self.port}"

    @property
    def cafile(self) -> str | None:
        return str(self.tls.ca) if self.tls else None

    def _get(self, path: str) -> Any:
        status, body, _ = http_json("GET", self.origin + path, cafile=self.cafile)
        assert status == 200, f"fake upstream GET {path} -> {status}: {body!r}"
        return body

    def requests(self) -> list[dict[str, Any]]:
        """Recorded requests, control endpoints excluded, with lower-cased header names added."""
        out = []
        for r in self._get("/_fake/requests"):
            if str(r.get("path", "")).startswith("/_fake"):
                continue
            r["hdrs"] = {}
            for name, value in r.get("headers", []):
                r["hdrs"].setdefault(name.lower(), []).append(value)
            try:
                r["json"] = json.loads(r.get("body") or "null")
            except ValueError:
                r["json"] = None
            out.append(r)
        return out

    def api_requests(self, suffix: str) -> list[dict[str, Any]]:
        return [r for r in self.requests() if r.get("path", "").endswith(suffix) and r.get("method") == "POST"]

    def stats(self) -> dict[str, int]:
        return self._get("/_fake/stats")

    def reset(self) -> None:
        status, body, _ = http_json("POST", self.origin + "/_fake/reset", body={}, cafile=self.cafile)
        assert status in (200, 204), f"fake upstream reset -> {status}: {body!r}"

    def summary(self, limit: int = 15) -> str:
        try:
            reqs = self.requests()
            stats = self.stats()
        except Exception as exc:  # the report must never raise
            return f"(could not read fake upstream state: {exc!r})"
        rows = [f"stats={stats}; {len(reqs)} recorded request(s)"]
        for r in reqs[-limit:]:
            q = f"?{r['query']}" if r.get("query") else ""
            rows.append(f"  {r.get('method')} {r.get('path')}{q} headers={sorted(r['hdrs'])}")
        return "\n".join(rows)

    def stop(self) -> None:
        self.proc.stop()


# --------------------------------------------------------------------------
# relay


def upstream_entry_anthropic(fake: FakeUpstream, host: str = "127.0.0.1", **extra: Any) -> dict[str, Any]:
    entry = {
        "name": "fake-anthropic",
        "base_url": f"{fake.scheme}://{host}:{fake.port}",
        "key": ANTHROPIC_UPSTREAM_KEY,
        "format": "anthropic",
        "auth": "x-api-key",
        "role": "primary",
        "enabled": True,
        "weekdays": [True] * 7,
    }
    entry.update(extra)
    return entry


def upstream_entry_responses(fake: FakeUpstream, host: str = "127.0.0.1", **extra: Any) -> dict[str, Any]:
    entry = {
        "name": "fake-responses",
        "base_url": f"{fake.scheme}://{host}:{fake.port}/v1",
        "key": OPENAI_UPSTREAM_KEY,
        "format": "openai-responses",
        "auth": "bearer",
        "role": "primary",
        "enabled": True,
        "weekdays": [True] * 7,
    }
    entry.update(extra)
    return entry


def relay_config(port: int, claude: list[dict[str, Any]], codex: list[dict[str, Any]], **top: Any) -> dict[str, Any]:
    cfg = {
        "version": 1,
        "server": {"host": "127.0.0.1", "port": port, "max_body_bytes": 33554432},
        "time_zone": "UTC",
        "clients": [{"name": "e2e", "key": CLIENT_KEY}],
        "pools": {"claude": claude, "codex": codex},
    }
    cfg.update(top)
    return cfg


class Relay:
    """`switchyard serve` on a free loopback port with a config we write."""

    registry: list["Relay"] = []

    def __init__(self, binary: Path, data_dir: Path, build_config: Callable[[int], dict[str, Any]], name: str = "switchyard",
                 extra_args: tuple[str, ...] = ()):
        data_dir.mkdir(parents=True, exist_ok=True)
        self.data_dir = data_dir
        self.name = name
        last_error = ""
        for _attempt in range(3):  # a free port can be taken between probe and bind
            self.port = free_port()
            self.config = build_config(self.port)
            (data_dir / "all_configs.json").write_text(json.dumps(self.config, indent=2))
            argv = [str(binary), "serve", "--host", "127.0.0.1", "--port", str(self.port), "--data-dir", str(data_dir)]
            argv += list(extra_args) + shlex.split(os.environ.get("SWITCHYARD_E2E_RELAY_ARGS", ""))
            env = dict(os.environ)
            env["HOME"] = str(data_dir)
            env["SWITCHYARD_ADMIN_TOKEN"] = ADMIN_TOKEN
            self.argv, self.env = argv, env
            self.proc = Proc(name, argv, data_dir / "logs", env=env, cwd=data_dir)
            try:
                wait_until(lambda: (not self.proc.alive()) or port_open(self.port), 20, f"{name} to accept on 127.0.0.1:{self.port}")
            except AssertionError as exc:
                self.proc.stop()
                raise AssertionError(f"{exc}\n{self.proc.tail()}") from None
            if self.proc.alive():
                break
            last_error = self.proc.tail()
            self.proc.stop()
        else:
            raise AssertionError(f"{name} did not start (3 attempts); last output:\n{last_error}")
        Relay.registry.append(self)
        self.url = f"http://127.0.0.1:{self.port}"

    def log_text(self) -> str:
        text = self.proc.log_text()
        for p in sorted(self.data_dir.rglob("*.log")):
            if p in (self.proc.stdout_path, self.proc.stderr_path):
                continue
            try:
                text += "\n" + p.read_text(errors="replace")
            except OSError:
                pass
        return text

    def stop(self) -> None:
        self.proc.stop()

    def kill9(self) -> None:
        """SIGKILL: no flush, no drain — what a crash or the OOM killer does."""
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.popen.wait(timeout=10)

    def terminate(self) -> None:
        os.kill(self.proc.pid, signal.SIGTERM)

    def start_again(self) -> None:
        """Same port, same data dir, same config file."""
        self.proc = Proc(self.name + "-again", self.argv, self.data_dir / "logs", env=self.env, cwd=self.data_dir)
        wait_until(lambda: port_open(self.port), 20, f"{self.name} to accept again on {self.port}")

    def admin(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        status, parsed, _ = http_json(method, self.url + path, body=body, headers=dict(ADMIN))
        return status, parsed


# --------------------------------------------------------------------------
# TLS material


class TLSMaterial:
    def __init__(self, ca: Path, cert: Path, key: Path):
        self.ca, self.cert, self.key = ca, cert, key


def make_tls_material(directory: Path) -> TLSMaterial:
    """A private CA and a server certificate for localhost / 127.0.0.1 / ::1 signed by it."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    directory.mkdir(parents=True, exist_ok=True)
    now = datetime.datetime.now(datetime.timezone.utc)

    ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Switchyard E2E Test CA")])
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False,
                                     data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                     crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(x509.SubjectAlternativeName([
            x509.DNSName("localhost"),
            x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
            x509.IPAddress(ipaddress.ip_address("::1")),
        ]), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )

    ca_path = directory / "ca.pem"
    cert_path = directory / "server.pem"
    key_path = directory / "server.key"
    ca_path.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return TLSMaterial(ca_path, cert_path, key_path)


# --------------------------------------------------------------------------
# raw streaming client (for cancellation tests)


class RawStream:
    """A hand-made HTTP/1.1 request on a plain socket, so the test decides exactly when to hang up."""

    def __init__(self, port: int, path: str, body: dict[str, Any], headers: dict[str, str], timeout: float = 10.0):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        data = json.dumps(body).encode()
        lines = [f"POST {path} HTTP/1.1", f"Host: 127.0.0.1:{port}", "Content-Type: application/json",
                 "Accept: text/event-stream", f"Content-Length: {len(data)}"]
        lines += [f"{k}: {v}" for k, v in headers.items()]
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode() + data)
        self.buf = b""

    def read_until(self, needle: bytes, count: int = 1, timeout: float = 10.0) -> bytes:
        """Read until `needle` has appeared `count` times in the received bytes."""
        end = time.monotonic() + timeout
        while self.buf.count(needle) < count:
            left = end - time.monotonic()
            if left <= 0:
                raise AssertionError(f"timed out waiting for {count}x {needle!r}; got {self.buf[:2000]!r}")
            self.sock.settimeout(left)
            chunk = self.sock.recv(65536)
            if not chunk:
                raise AssertionError(f"connection closed before {count}x {needle!r}; got {self.buf[:2000]!r}")
            self.buf += chunk
        return self.buf

    def close(self) -> None:
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()


def secret_leaks(text: str) -> list[str]:
    """Which secrets appear in `text`: the upstream CANARY keys, or the client key in full."""
    found = [c for c in CANARIES if c in text]
    if CLIENT_KEY in text:
        found.append(CLIENT_KEY)
    return found

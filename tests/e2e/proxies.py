"""Tiny loopback-only proxies for the upstream-transport tests.

`ConnectProxy` is an HTTP proxy that only does CONNECT tunnels; `Socks5Proxy`
is a SOCKS5 proxy (no authentication, CONNECT command only). Both run an
asyncio server in a background thread, count the tunnels they opened, record
the targets asked for, and refuse any target that is not a loopback address,
so a misrouted request can never leave the machine.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import threading
from typing import Optional

LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost"}


def _is_loopback(host: str) -> bool:
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while True:
            data = await reader.read(65536)
            if not data:
                break
            writer.write(data)
            await writer.drain()
    except (ConnectionError, OSError):
        pass


async def _splice(cr, cw, ur, uw) -> None:
    t1 = asyncio.ensure_future(_pipe(cr, uw))
    t2 = asyncio.ensure_future(_pipe(ur, cw))
    # When either side hangs up, hang up the other one too (no half-open tunnels),
    # so a client that goes away is seen going away by the far end.
    _done, pending = await asyncio.wait({t1, t2}, return_when=asyncio.FIRST_COMPLETED)
    for t in pending:
        t.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    for w in (uw, cw):
        try:
            w.close()
        except Exception:
            pass


class _ThreadedServer:
    kind = "proxy"

    def __init__(self) -> None:
        self.tunnels = 0
        self.refused = 0
        self.targets: list[tuple[str, int]] = []
        self.errors: list[str] = []
        self.port: int = 0
        self._loop: Optional[asyncio.AbstractEventLoop] = None
        self._server: Optional[asyncio.base_events.Server] = None
        self._thread: Optional[threading.Thread] = None
        self._ready = threading.Event()
        self._lock = threading.Lock()

    def start(self) -> "_ThreadedServer":
        self._thread = threading.Thread(target=self._run, name=f"{self.kind}-thread", daemon=True)
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError(f"{self.kind} did not start")
        if not self.port:
            raise RuntimeError(f"{self.kind} failed to bind: {self.errors}")
        return self

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        asyncio.set_event_loop(loop)
        try:
            self._server = loop.run_until_complete(asyncio.start_server(self._handle_guarded, "127.0.0.1", 0))
            self.port = self._server.sockets[0].getsockname()[1]
        except Exception as exc:  # pragma: no cover - reported by start()
            self.errors.append(repr(exc))
        finally:
            self._ready.set()
        if self._server is not None:
            loop.run_forever()
            self._server.close()
            loop.run_until_complete(self._server.wait_closed())
            pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
            for t in pending:
                t.cancel()
            loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        loop.close()

    async def _handle_guarded(self, reader, writer) -> None:
        try:
            await asyncio.wait_for(self._handle(reader, writer), timeout=120)
        except Exception as exc:
            with self._lock:
                self.errors.append(repr(exc))
        finally:
            try:
                writer.close()
            except Exception:
                pass

    async def _handle(self, reader, writer) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    def _note(self, host: str, port: int, ok: bool) -> None:
        with self._lock:
            self.targets.append((host, port))
            if ok:
                self.tunnels += 1
            else:
                self.refused += 1

    def stop(self) -> None:
        if self._loop is not None and self._loop.is_running():
            self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread is not None:
            self._thread.join(timeout=10)

    @property
    def url(self) -> str:
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"<{self.kind} port={self.port} tunnels={self.tunnels} refused={self.refused} targets={self.targets} errors={self.errors[-3:]}>"


class ConnectProxy(_ThreadedServer):
    """HTTP proxy that accepts only `CONNECT host:port` and then splices bytes."""

    kind = "connect-proxy"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def _handle(self, reader, writer) -> None:
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout=10)
        request_line = head.split(b"\r\n", 1)[0].decode("latin-1")
        parts = request_line.split()
        if len(parts) != 3 or parts[0].upper() != "CONNECT":
            with self._lock:
                self.errors.append(f"non-CONNECT request: {request_line!r}")
            writer.write(b"HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            await writer.drain()
            return
        authority = parts[1]
        host, _, port_s = authority.rpartition(":")
        host = host.strip("[]")
        port = int(port_s)
        if not _is_loopback(host):
            self._note(host, port, False)
            writer.write(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            await writer.drain()
            return
        try:
            ur, uw = await asyncio.wait_for(asyncio.open_connection(host, port), timeout=10)
        except (OSError, asyncio.TimeoutError):
            self._note(host, port, False)
            writer.write(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            await writer.drain()
            return
        self._note(host, port, True)
        writer.write(b"HTTP/1.1 200 Connection Established\r\n\r\n")
        await writer.drain()
        await _splice(reader, writer, ur, uw)


class Socks5Proxy(_ThreadedServer):
    """SOCKS5 (RFC 1928) without authentication, CONNECT only."""

    kind = "socks5-proxy"

    @property
    def url(self) -> str:
        return f"socks5://127.0.0.1:{self.port}"

    async def _handle(self, reader, writer) -> None:
        rx = lambda n: asyncio.wait_for(reader.readexactly(n), timeout=10)  # noqa: E731
        ver, nmethods = await rx(2)
        if ver != 5:
            raise ValueError(f"not SOCKS5 (version byte {ver})")
        methods = await rx(nmethods)
        if 0 not in methods:
            writer.write(b"\x05\xff")
            await writer.drain()
            raise ValueError(f"client offers no 'no authentication' method: {list(methods)}")
        writer.write(b"\x05\x00")
        await writer.drain()
        ver, cmd, _rsv, atyp = await rx(4)
        if atyp == 1:
            host = socket.inet_ntop(socket.AF_INET, await rx(4))
        elif atyp == 4:
            host = socket.inet_ntop(socket.AF_INET6, await rx(16))
        elif atyp == 3:
            (n,) = await rx(1)
            host = (await rx(n)).decode("idna")
        else:
            raise ValueError(f"bad address type {atyp}")
        port = int.from_bytes(await rx(2), "big")
        reply_tail = b"\x00\x01" + b"\x00" * 4 + b"\x00\x00"
        if cmd != 1:
            writer.write(b"\x05\x07" + reply_tail)  # command not supported
            await writer.drain()
            raise ValueError(f"unsupported SOCKS command {cmd}")
        if not _is_loopback(host):
            self._note(host, port, False)
            writer.write(b"\x05\x02" + reply_tail)  # not allowed by ruleset
            await writer.drain()
            return
        try:
            ur, uw = await asyncio.wait_for(asyncio.open_connection(host, port), timeout=10)
        except (OSError, asyncio.TimeoutError):
            self._note(host, port, False)
            writer.write(b"\x05\x05" + reply_tail)  # connection refused
            await writer.drain()
            return
        self._note(host, port, True)
        bound = uw.get_extra_info("sockname") or ("0.0.0.0", 0)
        try:
            addr = b"\x01" + socket.inet_aton(bound[0])
        except OSError:
            addr = b"\x04" + socket.inet_pton(socket.AF_INET6, bound[0])
        writer.write(b"\x05\x00\x00" + addr + int(bound[1]).to_bytes(2, "big"))
        await writer.drain()
        await _splice(reader, writer, ur, uw)

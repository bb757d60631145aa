"""A TCP proxy a fault test can break: the way to make a shared PostgreSQL or Redis "unreachable" without
touching the server other people use.

The app is pointed at the proxy's port instead of the server's. ``down()`` cuts every connection it
carries and then either refuses new ones (accepted and closed at once with a reset, as a stopped server's
port would) or, with ``stall=True``, accepts them and forwards nothing (a dead host or a black-holed
network, which only a client's own timeouts notice); ``up()`` forwards again. Threads, no asyncio: the
test process runs it beside Django, and the proxy must never wait on anything the app does.
"""

from __future__ import annotations

import contextlib
import select
import socket
import struct
import threading
import time
from collections.abc import Iterator

_CHUNK = 65536


def _reset(sock: socket.socket) -> None:
    """Close with a RST rather than a FIN: the peer sees the connection torn, not a tidy end."""
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    with contextlib.suppress(OSError):
        sock.close()


class Proxy:
    """Forwards ``127.0.0.1:port`` to ``target`` until told otherwise; ``port`` is a free one."""

    def __init__(self, target: tuple[str, int], *, name: str = "proxy") -> None:
        self.target, self.name = target, name
        self._listener = socket.socket()
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(512)
        self.port: int = self._listener.getsockname()[1]
        self._lock = threading.Lock()
        self._pairs: set[tuple[socket.socket, socket.socket]] = set()
        self._held: set[socket.socket] = set()
        self._mode = "up"  # up | refuse | stall
        self._closed = threading.Event()
        self.accepted = 0
        threading.Thread(target=self._accept_loop, name=f"{name}-accept", daemon=True).start()

    # --- control ------------------------------------------------------------------------------

    @property
    def mode(self) -> str:
        return self._mode

    def down(self, *, stall: bool = False) -> None:
        """Cut every connection now and refuse new ones; or, with ``stall``, carry nothing on any
        connection, old or new, as a black-holed network would."""
        with self._lock:
            self._mode = "stall" if stall else "refuse"
            if stall:
                return
            pairs, self._pairs = self._pairs, set()
        for client, upstream in pairs:
            _reset(client)
            _reset(upstream)

    def up(self) -> None:
        """Forward again; connections accepted while stalled are cut (their clients have given up or will retry),
        those stalled mid-way carry on."""
        with self._lock:
            self._mode = "up"
            held, self._held = self._held, set()
        for sock in held:
            _reset(sock)

    @contextlib.contextmanager
    def outage(self, seconds: float, *, stall: bool = False) -> Iterator[None]:
        """Down for the ``with`` block and at least ``seconds``, then up again whatever happens."""
        started = time.monotonic()
        self.down(stall=stall)
        try:
            yield
            time.sleep(max(0.0, seconds - (time.monotonic() - started)))
        finally:
            self.up()

    def close(self) -> None:
        self._closed.set()
        with contextlib.suppress(OSError):
            self._listener.close()
        self.down()
        self.up()

    # --- forwarding ---------------------------------------------------------------------------

    def _accept_loop(self) -> None:
        while not self._closed.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            self.accepted += 1
            mode = self._mode
            if mode == "refuse":
                _reset(client)
                continue
            if mode == "stall":
                with self._lock:
                    self._held.add(client)
                continue
            threading.Thread(target=self._connect, args=(client,), name=f"{self.name}-pair", daemon=True).start()

    def _connect(self, client: socket.socket) -> None:
        try:
            upstream = socket.create_connection(self.target, timeout=5)
        except OSError:
            _reset(client)
            return
        upstream.settimeout(None)
        pair = (client, upstream)
        with self._lock:
            if self._mode != "up":
                _reset(client)
                _reset(upstream)
                return
            self._pairs.add(pair)
        try:
            self._pump(client, upstream)
        finally:
            with self._lock:
                self._pairs.discard(pair)
            for sock in pair:
                with contextlib.suppress(OSError):
                    sock.close()

    def _pump(self, client: socket.socket, upstream: socket.socket) -> None:
        peers = {client: upstream, upstream: client}
        while True:
            if self._mode == "stall":
                # Nothing moves while stalled; the peers' timeouts decide whether they give up.
                time.sleep(0.1)
                continue
            try:
                readable, _, _ = select.select(list(peers), [], [], 1.0)
            except (OSError, ValueError):
                return
            for sock in readable:
                try:
                    data = sock.recv(_CHUNK)
                except OSError:
                    return
                if not data:
                    return
                try:
                    peers[sock].sendall(data)
                except OSError:
                    return

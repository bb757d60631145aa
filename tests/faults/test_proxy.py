"""The fault suite's proxy on its own (no services needed): it forwards, cuts and refuses, or goes silent."""

from __future__ import annotations

import contextlib
import socket
import socketserver
import threading
import time

import pytest

from tests.faults.proxy import Proxy


class _Echo(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        with contextlib.suppress(ConnectionError):  # the proxy resets its side when taken down
            while data := self.request.recv(1024):
                self.request.sendall(data)


@pytest.fixture
def proxy():
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Echo)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    proxy = Proxy(server.server_address, name="echo-proxy")
    yield proxy
    proxy.close()
    server.shutdown()
    server.server_close()


def _echo(port: int, payload: bytes = b"ping", timeout: float = 2) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(payload)
        reply = sock.recv(1024)
    if not reply:  # closed before answering: as good as reset
        raise ConnectionResetError("closed without an answer")
    return reply


def _cut(sock: socket.socket) -> bool:
    """Whether ``sock``'s peer is gone: a reset, or the end of the stream."""
    try:
        sock.sendall(b"two")
        return sock.recv(1024) == b""
    except ConnectionError:
        return True


def test_it_forwards_until_taken_down_then_refuses_and_cuts(proxy):
    assert _echo(proxy.port) == b"ping"
    held = socket.create_connection(("127.0.0.1", proxy.port), timeout=2)
    held.sendall(b"one")
    assert held.recv(1024) == b"one"
    proxy.down()
    assert _cut(held), "the open connection was cut"
    held.close()
    with pytest.raises(ConnectionError):  # reset at once, or closed before the answer
        _echo(proxy.port)
    proxy.up()
    assert _echo(proxy.port) == b"ping"


def test_stalled_it_accepts_and_carries_nothing_until_up(proxy):
    held = socket.create_connection(("127.0.0.1", proxy.port), timeout=2)
    held.sendall(b"one")
    assert held.recv(1024) == b"one"
    proxy.down(stall=True)
    with pytest.raises(TimeoutError):
        _echo(proxy.port, timeout=0.5)
    held.settimeout(0.5)
    held.sendall(b"two")
    with pytest.raises(TimeoutError):
        held.recv(1024)
    proxy.up()
    held.settimeout(2)
    assert held.recv(1024) == b"two", "a connection stalled mid-way carries on"
    held.close()
    started = time.monotonic()
    assert _echo(proxy.port) == b"ping"
    assert time.monotonic() - started < 2

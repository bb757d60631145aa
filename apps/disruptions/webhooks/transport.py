"""Sending one webhook attempt: an HTTP POST to an address that was just checked, never redirected.

The connection goes to the checked address while the request names the URL's host (``Host`` header,
TLS server name and certificate check), so the name cannot be re-resolved to somewhere else between
the check and the request. A redirect is not followed: it counts as a failed attempt. No Django here.
"""

from __future__ import annotations

import http.client
import socket
import ssl
import time
from dataclasses import dataclass

from apps.disruptions.webhooks.targets import Target

USER_AGENT = "Corridor-Webhooks/1"
# The receiver's answer is not used beyond its status; read a little so the connection ends cleanly.
RESPONSE_READ_BYTES = 4096


@dataclass(frozen=True)
class Outcome:
    """What one attempt got: an HTTP status, or an error in words; and how long it took."""

    status_code: int | None
    error: str
    duration_ms: int

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, target: Target, address: str, timeout: float) -> None:
        super().__init__(target.host, target.port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, target: Target, address: str, timeout: float) -> None:
        super().__init__(target.host, target.port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def post(target: Target, *, body: bytes, headers: dict[str, str], timeout: float) -> Outcome:
    """POST ``body`` (JSON) to ``target`` at its first checked address; ``timeout`` bounds each socket wait."""
    connection_class = _PinnedHTTPSConnection if target.scheme == "https" else _PinnedHTTPConnection
    connection = connection_class(target, target.addresses[0], timeout)
    started = time.monotonic()
    status_code, error = None, ""
    try:
        connection.request(
            "POST",
            target.path,
            body=body,
            headers={**headers, "Content-Type": "application/json", "User-Agent": USER_AGENT},
        )
        response = connection.getresponse()
        response.read(RESPONSE_READ_BYTES)
        status_code = response.status
        if not 200 <= status_code < 300:
            error = f"HTTP {status_code} {response.reason}".strip()
    except TimeoutError:
        error = f"No answer within {timeout:g} s."
    except (OSError, http.client.HTTPException) as exc:
        error = f"{type(exc).__name__}: {exc}"[:500]
    finally:
        connection.close()
    return Outcome(status_code=status_code, error=error, duration_ms=round((time.monotonic() - started) * 1000))

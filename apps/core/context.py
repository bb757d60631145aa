"""Per-request (or per-task) context that services read without threading it through calls."""

from __future__ import annotations

import contextvars
import logging
import re
import uuid

_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("corridor_request_id", default="")

# A caller-supplied id is kept only when it looks like an id, so logs cannot be forged with it.
_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{8,128}$")


def new_request_id(candidate: str | None = None) -> str:
    """The caller's id when it is safe to log, otherwise a fresh UUID."""
    if candidate and _SAFE_REQUEST_ID.match(candidate):
        return candidate
    return str(uuid.uuid4())


def set_request_id(value: str) -> contextvars.Token[str]:
    return _request_id.set(value)


def reset_request_id(token: contextvars.Token[str]) -> None:
    _request_id.reset(token)


def current_request_id() -> str:
    return _request_id.get()


class RequestIdLogFilter(logging.Filter):
    """Stamps each log line with the current request (or task) id."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id() or "-"
        return True

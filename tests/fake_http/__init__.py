"""The loopback HTTP server every local provider fake (``fake_openai``, ``fake_together``,
``fake_fireworks``) is built on: a threaded server on 127.0.0.1 (a free port the OS picks),
bearer-key checks, a request log, and faults queued with ``inject(kind, method,
path_prefix, times=...)`` and consumed by the first matching request:

* ``"429"``, ``"500"``, ``"503"``: an error reply (with ``Retry-After`` / ``retry-after-ms``,
  or only ``Retry-After: <retry_after>`` when the fault has one)
* ``"drop"``: read part of the body, close without a reply (nothing happened)
* ``"hang_before"``: wait ``hang_seconds`` doing nothing, then close (a client timeout)
* ``"hang_after"`` / ``"drop_after"``: do the work (state changes), then wait / close
  without a reply: the client cannot know the request took effect
* ``"echo"``: HTTP 400 whose message repeats the bearer token (a badly behaved gateway)

A fake subclasses ``HttpFake`` and implements ``route(method, path, query, headers, body) ->
(status, payload, extra_headers)``, raising ``ApiError`` for refusals. It may override
``local_path`` (what part of the URL its routes and faults see), ``fault_error`` (its own
wording of the error faults, or more kinds), ``authorized`` / ``unauthorized`` and
``before_route`` (a delay outside the lock). A fault's ``path_prefix`` is matched against the
local path, as a regular expression when it starts with ``^``.
"""

from __future__ import annotations

import json
import re
import threading
import time
from dataclasses import dataclass
from email import policy
from email.parser import BytesParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

__all__ = ["ApiError", "Fault", "HttpFake", "parse_multipart", "validate_chat_jsonl", "wait_until"]

MAX_BODY_BYTES = 256 * 1024 * 1024
RETRYABLE = ("429", "500", "503")


@dataclass
class Fault:
    kind: str
    method: str
    path_prefix: str
    times: int = 1
    hang_seconds: float = 2.0
    retry_after: str | None = None


class ApiError(Exception):
    """A refusal: ``{"error": {"message": ..., **extra}}`` with HTTP ``status``."""

    def __init__(self, status: int, message: str, **extra):
        super().__init__(message)
        self.status, self.message, self.extra = status, message, extra

    def body(self) -> dict:
        return {"error": {"message": self.message, **self.extra}}


class HttpFake:
    name = "fake"
    max_body_bytes = MAX_BODY_BYTES
    unauthenticated_prefixes: tuple[str, ...] = ()
    """Local paths served without the bearer key (signed upload URLs)."""

    def __init__(self, *, api_key: str, clock=time.monotonic):
        self.api_key = api_key
        self.clock = clock
        self.requests: list[tuple[str, str]] = []
        self._faults: list[Fault] = []
        self._lock = threading.RLock()
        self._stopping = threading.Event()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # ----------------------------------------------------------------- lifecycle
    @property
    def root_url(self) -> str:
        assert self._httpd is not None, "server not started"
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self):
        handler = type("BoundHandler", (_Handler,), {"fake": self})
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        name=f"fake-{self.name}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # ----------------------------------------------------------------- controls
    def inject(self, kind: str, method: str = "", path_prefix: str = "", *, times: int = 1,
               hang_seconds: float = 2.0, retry_after: str | None = None) -> None:
        """Make the next ``times`` requests matching ``method`` and ``path_prefix`` fail with ``kind``."""
        with self._lock:
            self._faults.append(Fault(kind, method.upper(), path_prefix, times, hang_seconds, retry_after))

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    def count(self, method: str, path_prefix: str) -> int:
        return sum(1 for m, p in self.requests if m == method and p.startswith(path_prefix))

    def _take_fault(self, method: str, path: str) -> Fault | None:
        with self._lock:
            for fault in self._faults:
                where = fault.path_prefix
                matches = re.match(where, path) if where.startswith("^") else path.startswith(where)
                if (not fault.method or fault.method == method) and matches:
                    fault.times -= 1
                    if fault.times <= 0:
                        self._faults.remove(fault)
                    return fault
        return None

    # ----------------------------------------------------------------- hooks
    def local_path(self, path: str) -> str:
        return path.rstrip("/") or "/"

    def fault_error(self, kind: str, method: str, raw_path: str, headers) -> ApiError | None:
        """The error reply for an error fault ``kind``, or ``None`` for the other kinds."""
        if kind in _ERRORS:
            status, message = _ERRORS[kind]
            return ApiError(status, message)
        if kind == "echo":
            token = (headers.get("Authorization") or "").removeprefix("Bearer ")
            return ApiError(400, f"Gateway refused {method} {raw_path} for key '{token}'.")
        return None

    def authorized(self, headers) -> bool:
        return (headers.get("Authorization") or "") == f"Bearer {self.api_key}"

    def unauthorized(self, headers) -> ApiError:
        return ApiError(401, "Invalid API key provided.")

    def internal_error(self, exc: Exception) -> ApiError:
        # A bug in the fake must show up as a 500, not a hung client.
        return ApiError(500, f"fake server error: {exc!r}")

    def before_route(self, method: str, path: str) -> None:
        """Runs outside the lock before ``route`` (e.g. a slow upload)."""

    def route(self, method: str, path: str, query: dict[str, str], headers, body: bytes):
        raise NotImplementedError


_ERRORS = {
    "429": (429, "Rate limit exceeded, please slow down."),
    "500": (500, "Internal server error."),
    "503": (503, "The service is temporarily overloaded."),
}


class _Handler(BaseHTTPRequestHandler):
    fake: HttpFake
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):  # keep test output quiet
        pass

    def _dispatch(self) -> None:
        fake = self.fake
        split = urlsplit(self.path)
        path = fake.local_path(split.path)
        query = dict(parse_qsl(split.query))
        fake.requests.append((self.command, path))
        length = int(self.headers.get("Content-Length") or 0)
        if length > fake.max_body_bytes:
            self._reply(413, ApiError(413, "Request body too large.").body())
            return
        fault = fake._take_fault(self.command, path)
        if fault and fault.kind == "drop":
            self.rfile.read(min(length, 512))
            self.close_connection = True
            self.connection.shutdown(2)
            return
        body = self.rfile.read(length) if length else b""
        if fault and fault.kind == "hang_before":
            fake._stopping.wait(fault.hang_seconds)
            self.close_connection = True
            return
        error = fake.fault_error(fault.kind, self.command, self.path, self.headers) if fault else None
        if error is not None:
            extra = {}
            if fault.kind in RETRYABLE:
                extra = ({"Retry-After": fault.retry_after} if fault.retry_after is not None
                         else {"Retry-After": "1", "retry-after-ms": "20"})
            self._reply(error.status, error.body(), extra)
            return
        fake.before_route(self.command, path)
        extra_headers: dict[str, str] = {}
        if not path.startswith(fake.unauthenticated_prefixes) and not fake.authorized(self.headers):
            error = fake.unauthorized(self.headers)
            status, payload = error.status, error.body()
        else:
            try:
                with fake._lock:
                    status, payload, extra_headers = fake.route(self.command, path, query, self.headers, body)
            except ApiError as exc:
                status, payload = exc.status, exc.body()
            except Exception as exc:
                error = fake.internal_error(exc)
                status, payload = error.status, error.body()
        if fault and fault.kind in ("hang_after", "drop_after"):
            if fault.kind == "hang_after":
                fake._stopping.wait(fault.hang_seconds)
            self.close_connection = True
            self.connection.shutdown(2)
            return
        self._reply(status, payload, extra_headers)

    def _reply(self, status: int, payload, headers: dict[str, str] | None = None) -> None:
        data = b"" if payload is None else json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_DELETE = do_PUT = do_PATCH = _dispatch


def parse_multipart(content_type: str, body: bytes) -> dict[str, tuple[str | None, bytes]]:
    """Map each form field name to ``(filename, content)``."""
    if not content_type.startswith("multipart/form-data"):
        raise ApiError(400, "Expected a multipart/form-data body.")
    message = BytesParser(policy=policy.HTTP).parsebytes(
        b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + body)
    fields: dict[str, tuple[str | None, bytes]] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if name:
            fields[str(name)] = (part.get_filename(), part.get_payload(decode=True) or b"")
    return fields


def validate_chat_jsonl(content: bytes) -> tuple[int, int, str | None]:
    """``(examples, words, problem)``: roughly what the providers check server-side (JSON
    objects, a ``messages`` list with an assistant turn, no two same roles in a row)."""
    examples = words = 0
    for number, line in enumerate(content.decode("utf-8", errors="replace").splitlines(), 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError:
            return examples, words, f"line {number}: not valid JSON"
        messages = record.get("messages") if isinstance(record, dict) else None
        if messages is None and isinstance(record, dict) and "input" in record:
            messages = record["input"].get("messages", []) + record.get("preferred_output", [])
        if not isinstance(messages, list) or not messages:
            return examples, words, f"line {number}: missing 'messages'"
        roles = [m.get("role") for m in messages if isinstance(m, dict)]
        if "assistant" not in roles:
            return examples, words, f"line {number}: no assistant message"
        for first, second in zip(roles, roles[1:]):
            if first == second:
                return examples, words, f"line {number}: two consecutive '{first}' messages"
        examples += 1
        words += sum(len(str(m.get("content") or "").split()) for m in messages if isinstance(m, dict))
    if not examples:
        return 0, 0, "the file has no examples"
    return examples, words, None


def wait_until(predicate, timeout: float = 5.0, interval: float = 0.01) -> bool:
    """Poll ``predicate`` until it is true or ``timeout`` passes; for tests."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return bool(predicate())

"""HTTP side of the Bot API test server: request parsing, the handler, the JSON control API."""

from __future__ import annotations

import json
from dataclasses import asdict
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from tests.support.botapi import ApiError, BotApiServer, RateLimits, _int


def parse_body(content_type: str, body: bytes) -> dict[str, Any]:
    if not body:
        return {}
    if "application/json" in content_type:
        data = json.loads(body.decode("utf-8"))
        return data if isinstance(data, dict) else {}
    if "multipart/form-data" in content_type:
        return _parse_multipart(content_type, body)
    return dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True))


def _parse_multipart(content_type: str, body: bytes) -> dict[str, Any]:
    from email.parser import BytesParser
    from email.policy import HTTP

    message = BytesParser(policy=HTTP).parsebytes(
        b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body
    )
    fields: dict[str, Any] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if name:
            payload = part.get_payload(decode=True) or b""
            fields[str(name)] = payload.decode("utf-8", "replace")
    return fields


def handler_for(server: BotApiServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as httpx expects
        # Headers and body go out in separate writes: with Nagle on, a keep-alive client
        # waits ~40 ms for a delayed ACK on many answers (capped fan-out at ~21 msg/s).
        disable_nagle_algorithm = True

        def log_message(self, format: str, *args: Any) -> None:  # quiet
            return

        def do_GET(self) -> None:
            self._dispatch()

        def do_POST(self) -> None:
            self._dispatch()

        def _dispatch(self) -> None:
            split = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            try:
                params = parse_body(self.headers.get("Content-Type", ""), body)
            except ValueError:
                self._reply(
                    400,
                    {"ok": False, "error_code": 400, "description": "Bad Request: invalid body"},
                )
                return
            params.update(dict(parse_qsl(split.query)))
            if split.path.startswith("/_control/"):
                self._reply(*_control(server, split.path[len("/_control/") :], params))
                return
            parts = split.path.strip("/").split("/")
            if len(parts) != 2 or not parts[0].startswith("bot"):
                self._reply(404, {"ok": False, "error_code": 404, "description": "Not Found"})
                return
            self._reply(*server.handle_api(parts[0][3:], parts[1], params))

        def _reply(self, status: int, payload: Any) -> None:
            data = json.dumps(payload).encode("utf-8")
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (timeout fault)

    return Handler


def _control(server: BotApiServer, action: str, p: dict[str, Any]) -> tuple[int, Any]:
    """The JSON control API used by `RemoteBotApi` (standalone mode)."""
    try:
        if action == "send_message":
            return 200, server.send_message(
                int(p["chat_id"]),
                int(p["user_id"]),
                str(p["text"]),
                chat_type=str(p.get("chat_type", "private")),
                thread_id=_int(p.get("thread_id")),
                title=str(p.get("title", "")),
                is_forum=bool(p.get("is_forum", False)),
                anonymous_admin=bool(p.get("anonymous_admin", False)),
            )
        if action == "press_button":
            return 200, server.press_button(
                int(p["chat_id"]), int(p["user_id"]), int(p["message_id"]), str(p["callback_data"])
            )
        if action == "bot_added":
            server.bot_added(int(p["chat_id"]), int(p["user_id"]), str(p.get("chat_type", "group")))
            return 200, True
        if action == "bot_removed":
            server.bot_removed(
                int(p["chat_id"]), int(p["user_id"]), str(p.get("chat_type", "group"))
            )
            return 200, True
        if action == "set_member":
            server.set_member(int(p["chat_id"]), int(p["user_id"]), str(p["status"]))
            return 200, True
        if action == "fail":
            options = {
                k: v for k, v in p.items() if k not in {"method", "kind", "chat_id", "times"}
            }
            server.fail(
                str(p["method"]),
                str(p["kind"]),
                chat_id=_int(p.get("chat_id")),
                times=int(p.get("times", 1)),
                **options,
            )
            return 200, True
        if action == "limits":
            server.enforce_limits(RateLimits(**p) if p else None)
            return 200, True
        if action == "sent":
            chat = _int(p.get("chat_id"))
            return 200, [asdict(m) for m in server.sent(chat)]
        if action == "stats":
            return 200, server.stats()
        if action == "reset":
            server.reset()
            return 200, True
    except (KeyError, ValueError, TypeError, ApiError) as exc:
        return 400, {"error": f"{type(exc).__name__}: {exc}"}
    return 404, {"error": f"unknown control action {action!r}"}

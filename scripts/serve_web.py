#!/usr/bin/env python3
"""Serve the web chat page (web/) and the widget installed by `npm ci` (node_modules/), nothing else.

The page needs nothing from the internet: the rasa-webchat bundle is served with its Google Fonts @import
removed, and the Inter font comes from the @fontsource/inter package.

    python scripts/serve_web.py [--host 127.0.0.1] [--port 8080] [--rasa-url http://localhost:5005]

Environment: ATROPHY_WEB_PORT, ATROPHY_RASA_URL (where the browser finds Rasa's socket.io channel),
ATROPHY_EMERGENCY_NUMBER (shown on the page; default 911).
"""

from __future__ import annotations

import argparse
import json
import mimetypes
import os
import sys
from functools import lru_cache
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WEB = ROOT / "web"
NODE_MODULES = ROOT / "node_modules"
WEBCHAT = NODE_MODULES / "rasa-webchat" / "lib" / "index.js"
REACT = NODE_MODULES / "react" / "umd" / "react.production.min.js"
FONTS = NODE_MODULES / "@fontsource" / "inter" / "files"
FONT_FILES = {f"inter-latin-{weight}-normal.woff2" for weight in (400, 500, 700)}
GOOGLE_FONTS_IMPORT = b"@import url(https://fonts.googleapis.com/css?family=Inter:400,500,700&display=swap);"
STATIC = {"/": "index.html", "/index.html": "index.html", "/chat.js": "chat.js", "/style.css": "style.css"}


@lru_cache(maxsize=None)
def webchat_bundle() -> bytes:
    """rasa-webchat's bundle without the @import of Google Fonts (the page brings Inter itself)."""
    bundle = WEBCHAT.read_bytes()
    if GOOGLE_FONTS_IMPORT not in bundle:
        raise RuntimeError(f"{WEBCHAT}: the Google Fonts @import was not found; is rasa-webchat 1.0.1 installed?")
    return bundle.replace(GOOGLE_FONTS_IMPORT, b"")


def config_script(rasa_url: str, emergency_number: str) -> bytes:
    config = {"socketUrl": rasa_url, "emergencyNumber": emergency_number}
    return f"window.ATROPHY_CONFIG = {json.dumps(config)};\n".encode()


def make_handler(rasa_url: str, emergency_number: str):
    class Handler(BaseHTTPRequestHandler):
        server_version = "AtrophyWeb"

        def log_message(self, fmt: str, *args) -> None:
            sys.stderr.write(f"serve_web: {self.address_string()} {fmt % args}\n")

        def _send(self, body: bytes, content_type: str, head: bool = False) -> None:
            self.send_response(HTTPStatus.OK)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-cache")
            self.send_header("X-Content-Type-Options", "nosniff")
            self.end_headers()
            if not head:
                self.wfile.write(body)

        def _route(self) -> tuple[bytes, str] | None:
            path = self.path.split("?", 1)[0]
            if path in STATIC:
                name = STATIC[path]
                return (WEB / name).read_bytes(), mimetypes.guess_type(name)[0] or "text/plain"
            if path == "/config.js":
                return config_script(rasa_url, emergency_number), "text/javascript"
            if path == "/vendor/webchat.js":
                return webchat_bundle(), "text/javascript"
            if path == "/vendor/react.js":
                return REACT.read_bytes(), "text/javascript"
            if path.startswith("/vendor/fonts/") and path.rsplit("/", 1)[1] in FONT_FILES:
                return (FONTS / path.rsplit("/", 1)[1]).read_bytes(), "font/woff2"
            if path == "/healthz":
                return b"ok\n", "text/plain"
            return None

        def _handle(self, head: bool) -> None:
            found = self._route()
            if found is None:
                self.send_error(HTTPStatus.NOT_FOUND)
                return
            body, content_type = found
            if content_type.startswith("text/") and "charset" not in content_type:
                content_type += "; charset=utf-8"
            self._send(body, content_type, head)

        def do_GET(self) -> None:
            self._handle(head=False)

        def do_HEAD(self) -> None:
            self._handle(head=True)

    return Handler


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=int(os.environ.get("ATROPHY_WEB_PORT", "8080")))
    parser.add_argument("--rasa-url", default=os.environ.get("ATROPHY_RASA_URL", "http://localhost:5005"))
    args = parser.parse_args(argv)
    for needed in (WEBCHAT, REACT, FONTS):
        if not needed.exists():
            sys.exit(f"serve_web: {needed} is missing: run `make web` (npm ci) first")
    webchat_bundle()
    emergency_number = os.environ.get("ATROPHY_EMERGENCY_NUMBER", "911")
    server = ThreadingHTTPServer((args.host, args.port), make_handler(args.rasa_url, emergency_number))
    print(
        f"Web chat page on http://{'localhost' if args.host == '127.0.0.1' else args.host}:{args.port} "
        f"(Rasa at {args.rasa_url})",
        flush=True,
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()

"""What the Google API stand-ins of the tests (IAM, Monitoring) add to the stand-ins' JSON
handler: a JSON body (empty reads as {}), the bearer every Google API call needs (401
UNAUTHENTICATED without one), and routing by a table of (method, path pattern, handler)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qs, urlsplit

from standins.control import ServedOnPort, threading_server
from standins.json_http import JsonHandler

UNAUTHENTICATED = "Request is missing required authentication credential."

Route = tuple[str, str, Callable[..., None]]


class GoogleJsonHandler(JsonHandler):
    def routes(self) -> Iterable[Route]:
        """(method, path regex, handler): the handler gets the pattern's groups and `query`."""
        raise NotImplementedError

    def route(self, method: str) -> None:
        if self.bearer() is None:
            return self.error(401, "UNAUTHENTICATED", UNAUTHENTICATED)
        url = urlsplit(self.path)
        for verb, pattern, serve in self.routes():
            if verb == method and (m := re.fullmatch(pattern, url.path)):
                return serve(*m.groups(), query=parse_qs(url.query))
        return self.error(404, "NOT_FOUND", f"no such method: {method} {url.path}")

    def json_body(self) -> Any:
        return json.loads(self.raw_body() or b"{}")


class GoogleStandin(ServedOnPort):
    """A Google API stand-in on a free local port (`url` once started): its `handler` class is
    bound to it as `standin`."""

    host = "127.0.0.1"
    handler: type[GoogleJsonHandler]

    @property
    def url(self) -> str:
        return self.base_url

    def _make_httpd(self):
        return threading_server(self.host, self.requested_port, type("Handler", (self.handler,), {"standin": self}))

"""A stand-in for the Sealos desktop: a page that embeds the app in an iframe and answers
the `sealos-desktop-sdk` protocol (SPEC §4.2) the way the desktop's master side does.

Modes, set per page load with `?mode=`:
- "ok": answers `user.getInfo` with `{success: true, data: window.desktopSession}`;
- "refuse": `{success: false, message: "no login in"}`;
- "silent": never answers;
- "wrong-id": answers with another messageId;
- "other-window": a sibling frame (not window.top) sends the right answer to the app.
`window.desktopSession` can be replaced from the test (e.g. a fresh token) between clicks.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

from tests.support.http_server import FakeServer, JsonHandler, serving

_DESKTOP_PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>Sealos desktop (test)</title>
<style>body {{ margin: 0 }} iframe {{ border: 0; width: 100vw; height: 100vh; display: block }}
#sibling {{ display: none }}</style></head>
<body>
<iframe id="app" name="app" src="{app_url}"></iframe>
<iframe id="sibling" src="/sibling"></iframe>
<script>
window.desktopMode = {mode};
window.desktopSession = {session};
window.desktopRequests = [];
const appFrame = document.getElementById("app");
window.addEventListener("message", (event) => {{
  if (event.source !== appFrame.contentWindow) return;
  const request = event.data || {{}};
  window.desktopRequests.push(request.apiName);
  const reply = {{ masterOrigin: location.origin, messageId: request.messageId, success: true, message: "",
                  data: window.desktopSession }};
  if (window.desktopMode === "silent") return;
  if (window.desktopMode === "refuse") Object.assign(reply, {{ success: false, message: "no login in", data: {{}} }});
  if (window.desktopMode === "wrong-id") reply.messageId = request.messageId + "-other";
  if (window.desktopMode === "other-window") {{
    document.getElementById("sibling").contentWindow.postMessage({{ forward: reply }}, "*");
    return;
  }}
  appFrame.contentWindow.postMessage(reply, "*");
}});
</script>
</body></html>"""

_SIBLING_PAGE = b"""<!doctype html><html><body><script>
window.addEventListener("message", (event) => {
  if (event.data && event.data.forward) window.parent.frames[0].postMessage(event.data.forward, "*");
});
</script></body></html>"""


class FakeDesktop(FakeServer):
    def __init__(self, host: str) -> None:
        super().__init__(_DesktopHandler)
        self.host = host
        self.app_url = ""
        self.session: dict = {}

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.server_address[1]}"

    def page_url(self, mode: str = "ok") -> str:
        return f"{self.url}/?mode={mode}"


class _DesktopHandler(JsonHandler):
    server: FakeDesktop

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        url = urlsplit(self.path)
        if url.path == "/sibling":
            self.send_body(200, _SIBLING_PAGE, "text/html")
            return
        mode = parse_qs(url.query).get("mode", ["ok"])[0]
        page = _DESKTOP_PAGE.format(app_url=self.server.app_url, mode=json.dumps(mode),
                                    session=json.dumps(self.server.session))
        self.send_body(200, page.encode(), "text/html")


@contextlib.contextmanager
def running_fake_desktop(host: str, app_url: str) -> Iterator[FakeDesktop]:
    """`host` picks the site: "localhost" (same site as the app) or "127.0.0.1" (cross-site)."""
    desktop = FakeDesktop(host)
    desktop.app_url = app_url
    with serving(desktop) as server:
        yield server

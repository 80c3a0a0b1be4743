"""`/sandbox`: every conversation of the sandbox channel, and a form to answer as anyone."""

from __future__ import annotations

import uuid
from html import escape
from itertools import groupby
from urllib.parse import quote

from aiohttp import web

from bot.conversation.types import InboundMessage
from bot.domain.phones import PhoneError, normalize_phone
from bot.domain.status import Channel
from handlers.keys import SERVICES

routes = web.RouteTableDef()

_STYLE = """
body{font-family:system-ui,"Noto Sans CJK SC",sans-serif;margin:0;display:flex;height:100vh}
nav{width:18rem;border-right:1px solid #ddd;overflow:auto;background:#fafafa}
nav a{display:block;padding:.6rem 1rem;color:#222;text-decoration:none;border-bottom:1px solid #eee}
nav a.on{background:#e6f0ff}main{flex:1;display:flex;flex-direction:column}
#log{flex:1;overflow:auto;padding:1rem}.m{max-width:36rem;margin:.4rem 0;padding:.5rem .8rem;
border-radius:.6rem;white-space:pre-wrap}.out{background:#f1f1f1}.in{background:#d9f7d9;
margin-left:auto}.t{font-size:.75rem;color:#777}form{display:flex;gap:.5rem;padding:1rem;
border-top:1px solid #ddd}textarea{flex:1;height:3rem}h1{font-size:1rem;padding:0 1rem}
"""


@routes.get("/sandbox")
async def sandbox(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    messages = await services.cases.recent_messages()
    threads = {
        addr: list(msgs)
        for addr, msgs in groupby(
            sorted(messages, key=lambda m: m.address), key=lambda m: m.address
        )
    }
    names = {m.address: m.name for m in messages if m.name}
    for person in await services.cases.people():
        if person.phone:
            threads.setdefault(person.phone, [])
            names.setdefault(person.phone, f"{person.name} ({person.role})")
    current = request.query.get("address") or next(iter(threads), "")
    nav = "".join(
        f'<a class="{"on" if a == current else ""}" href="/sandbox?address={quote(a)}">'
        f"{escape(names.get(a) or '')}<br><small>{escape(a)} · {len(msgs)}</small></a>"
        for a, msgs in threads.items()
    )
    log = (
        "".join(
            f'<div class="m {m.direction}">{escape(m.text)}'
            f'<div class="t">{m.at:%Y-%m-%d %H:%M:%S} UTC · '
            f"{escape(m.status or '')}</div></div>"
            for m in threads.get(current, [])
        )
        or "<p>No messages yet. Reminders appear here as they are sent.</p>"
    )
    page = f"""<!doctype html><html lang="zh-CN"><meta charset="utf-8">
<title>ducu sandbox</title><style>{_STYLE}</style>
<nav><h1>ducu sandbox</h1>{nav}</nav>
<main><div id="log">{log}</div>
<form method="post" action="/sandbox/reply">
<input name="address" value="{escape(current)}" size="16" aria-label="from">
<textarea name="text" placeholder="回复 / reply as this number, e.g. 0 or 帮助" required></textarea>
<button>send</button></form></main>
<script>const l=document.getElementById('log');l.scrollTop=l.scrollHeight;
setInterval(()=>{{if(!document.querySelector('textarea').value)location.reload()}},3000)</script>
</html>"""
    return web.Response(text=page, content_type="text/html")


@routes.post("/sandbox/reply")
async def sandbox_reply(request: web.Request) -> web.Response:
    form = await request.post()
    text = str(form.get("text", ""))[:1600]
    try:
        address = normalize_phone(str(form.get("address", "")))
    except PhoneError as exc:
        raise web.HTTPBadRequest(text=str(exc)) from exc
    await request.app[SERVICES].engine.handle(
        InboundMessage(Channel.SMS, address, text, provider_id=f"SBIN{uuid.uuid4().hex}")
    )
    raise web.HTTPSeeOther(f"/sandbox?address={quote(address)}")

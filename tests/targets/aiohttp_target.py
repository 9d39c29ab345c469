"""aiohttp_target: an aiohttp-style service heap (Debian's python3-aiohttp with
yarl, multidict, frozenlist and aiosignal), parked with its event loop idle,
and the interpreter's own view of who references what.

A web application with a few routes listens on 127.0.0.1; a client session
has made requests to it (keep-alive connections, cookies, response
objects); tasks wait on futures and sleeps, timers and callbacks are
pending. Payloads are planted reachable only through compiled objects of
those libraries: a CIMultiDict of headers, a MultiDictProxy, a FrozenList
(the app's on_startup signal list is one), an aiosignal Signal, a C Task's
coroutine and a Future's done-callback.

Oracle (GSTEST_ORACLE): every gc.get_objects() object with its type and
gc.get_referents ids (the collector off, taken once all of the above is in
place and the loop has stopped), and the planted payloads with their
holders' types. The process then sleeps, its loop stopped, until killed.
"""

import asyncio
import gc
import json
import os
import sys
import time

import aiohttp
import frozenlist
import multidict
from aiohttp import web
from aiosignal import Signal


class Payload:
    def __init__(self, name):
        self.name = name
        self.blob = bytearray(1000)


PLANTED = []  # (name, payload id, holder type name)
KEEP = []


def plant(name, make):
    p = Payload(name)
    holder = make(p)
    PLANTED.append((name, id(p), type(holder).__module__ + "." + type(holder).__qualname__))
    KEEP.append(holder)


async def hello(request):
    return web.Response(text="hello " + request.match_info.get("name", "world"),
                        headers={"X-Service": "gstest"})


async def echo(request):
    body = await request.read()
    return web.json_response({"len": len(body), "headers": dict(request.headers)})


async def slow(request):
    await asyncio.sleep(0)
    resp = web.Response(text="slow")
    resp.set_cookie("session", "abc123")
    return resp


async def _wait(fut, p):
    await fut
    return p


class _Cb:
    def __init__(self, p):
        self.p = p

    def __call__(self, fut):
        pass


async def build():
    loop = asyncio.get_running_loop()
    app = web.Application()
    app.router.add_get("/", hello)
    app.router.add_get("/hello/{name}", hello)
    app.router.add_post("/echo", echo)
    app.router.add_get("/slow", slow)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    base = "http://127.0.0.1:%d" % port
    session = aiohttp.ClientSession(headers={"User-Agent": "gstest"})
    responses = []
    for path in ("/", "/hello/gcscope", "/slow"):
        async with session.get(base + path) as r:
            await r.read()
            responses.append(r)
    async with session.post(base + "/echo", data=b"x" * 100) as r:
        await r.json()
        responses.append(r)
    # Payloads behind compiled objects of the service's libraries.
    plant("cimultidict", lambda p: multidict.CIMultiDict([("X-Payload", p), ("Accept", "*/*")]))
    plant("multidictproxy", lambda p: multidict.MultiDictProxy(multidict.MultiDict([("k", p)])))

    def frozen(p):
        fl = frozenlist.FrozenList([p])
        fl.freeze()
        return fl
    plant("frozenlist", frozen)

    def signal(p):
        s = Signal(app)
        s.append(_Cb(p))
        return s
    plant("signal", signal)

    def task(p):
        return loop.create_task(_wait(loop.create_future(), p))
    plant("task", task)

    def future_callback(p):
        f = loop.create_future()
        f.add_done_callback(_Cb(p))
        return f
    plant("future_callback", future_callback)
    # Pending timers and callbacks, as a service has.
    for i in range(5):
        KEEP.append(loop.call_later(3600 + i, print, "timer", i))
    KEEP.extend([app, runner, site, session, responses])
    await asyncio.sleep(0.05)  # let the tasks start and the connections settle


def view():
    out = []
    for o in gc.get_objects():
        t = type(o)
        out.append({"id": id(o), "type": t.__name__, "module": getattr(t, "__module__", "") or "",
                    "referents": [id(r) for r in gc.get_referents(o)]})
    return out


def write_atomic(path, text):
    with open(path + ".tmp", "w") as f:
        f.write(text)
    os.rename(path + ".tmp", path)


def main():
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    loop.run_until_complete(build())
    # From here the loop does not run: the service's state (its tasks,
    # connections, timers) stays exactly as the oracle saw it. A view taken
    # from inside a running task would see that task's Context entered and
    # its frame mid-way, which change as soon as it awaits again.
    gc.collect()
    gc.disable()
    oracle = {"python": sys.version, "objects": view(), "planted": PLANTED}
    write_atomic(os.environ.get("GSTEST_ORACLE", "oracle.json"), json.dumps(oracle))
    del oracle
    write_atomic(os.environ.get("GSTEST_READY", "ready"), "%d\n" % os.getpid())
    while True:
        time.sleep(3600)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""The hall's person-pace load (issue 7's budget): 200 ticket takers on one hall, each a person
taking a kiosk ticket every 2 s on average (exponential gaps, so about 100 tickets a second),
while one clerk calls the next ticket at window 1 and serves it, in a loop.

Usage: hall-load.py BASE_URL HALL_ID SECONDS

One process, one thread, one event loop: every taker is a coroutine on its own keep-alive
connection. (An earlier version ran 200 Python threads; their timings included waiting for the
interpreter lock, several milliseconds at the tail on these two cores, which is the load
generator's own delay, not the hall's.) A request is timed from just before its bytes are written
to just after its whole response is read; the first WARMUP seconds (3) are run but not counted
(new connections, the database pool filling). Prints p50/p99 of taking and of calling."""
import asyncio
import json
import random
import sys
import time


class Connection:
    def __init__(self, host, port):
        self.host, self.port = host, port
        self.reader = self.writer = None

    async def request(self, method, path, body=None, token=None):
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        payload = json.dumps(body).encode() if body is not None else b""
        head = f"{method} {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\nContent-Type: application/json\r\nContent-Length: {len(payload)}\r\n"
        if token:
            head += f"Authorization: Bearer {token}\r\n"
        self.writer.write(head.encode() + b"\r\n" + payload)
        await self.writer.drain()
        status_line = await self.reader.readline()
        status = int(status_line.split()[1])
        length = 0
        while True:
            line = await self.reader.readline()
            if line in (b"\r\n", b""):
                break
            name, _, value = line.decode().partition(":")
            if name.strip().lower() == "content-length":
                length = int(value.strip())
            if name.strip().lower() == "transfer-encoding":
                raise RuntimeError("chunked response: not expected from these endpoints")
        data = await self.reader.readexactly(length) if length else b""
        return status, (json.loads(data) if data else None)


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(p * len(values)))] if values else float("nan")


async def main(base, hall, seconds):
    host, port = base.split("//")[1].split(":")
    port = int(port)
    clerk = Connection(host, port)
    _, tokens = await clerk.request("POST", "/api/v1/auth/login", {"login": "clerk", "password": "Tongban-demo-2026"})
    token = tokens["accessToken"]
    _, detail = await clerk.request("GET", f"/api/v1/halls/{hall}")
    window = [w for w in detail["windows"] if w["number"] == 1][0]["id"]
    await clerk.request("POST", f"/api/v1/halls/{hall}/windows/{window}/open", token=token)
    takes, calls, refused = [], [], []
    warmup = 3.0
    counted_from = time.monotonic() + warmup
    end = counted_from + seconds

    async def taker():
        conn = Connection(host, port)
        while True:
            await asyncio.sleep(random.expovariate(0.5))
            if time.monotonic() >= end:
                return
            t0, t0_mono = time.perf_counter(), time.monotonic()
            status, _ = await conn.request("POST", f"/api/v1/halls/{hall}/tickets", {"category": random.choice("ABCD"), "channel": "kiosk"})
            if t0_mono >= counted_from:
                takes.append((time.perf_counter() - t0) * 1000)
            if status != 201:
                refused.append(status)

    async def caller():
        while time.monotonic() < end:
            t0, t0_mono = time.perf_counter(), time.monotonic()
            status, ticket = await clerk.request("POST", f"/api/v1/halls/{hall}/windows/{window}/call", token=token)
            t1 = time.perf_counter()
            if status == 200:
                if t0_mono >= counted_from:
                    calls.append((t1 - t0) * 1000)
                await clerk.request("POST", f"/api/v1/hall-tickets/{ticket['id']}/finish", {"outcome": "served"}, token)
            else:
                await asyncio.sleep(0.01)

    await asyncio.gather(caller(), *[taker() for _ in range(200)])
    print(f"200 takers at a person's pace: {len(takes)} tickets ({len(takes) / seconds:.0f}/s), {len(refused)} refused, "
          f"take p50 {pct(takes, .5):.2f} ms, p99 {pct(takes, .99):.2f} ms, max {max(takes):.2f} ms; "
          f"call next {len(calls)} calls, p50 {pct(calls, .5):.2f} ms, p99 {pct(calls, .99):.2f} ms, max {max(calls):.2f} ms (budget p99 < 20 ms)")
    await clerk.request("POST", f"/api/v1/halls/{hall}/windows/{window}/close", token=token)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], float(sys.argv[3])))

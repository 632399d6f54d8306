"""A tiny loopback server for ``bench_poll.py``: ``POST <prefix>/ext_reg/json`` answers with
precomputed registrations bodies, so the app and the floor read the very same bytes and the
server's own work is a ``write``.

Run: ``python tests/benchmarks/poll_server.py --port P --extensions N --flips K``.

Bodies: ``N`` extensions (every 50th with two phones), ``--bodies`` answers, each ``K``
extensions flipped (online <-> offline) from the one before, and every row's expiry countdown
and ping time moving on each answer, as a real server's do. Each path prefix (``/app``,
``/floor``...) walks the bodies on its own, forth and back (0, 1, ..., B-1, B-2, ..., 0, 1, ...),
so consecutive answers on one prefix always differ by exactly ``K`` flips.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random


def registration_row(ext: int, device: int, serial: int) -> dict[str, str]:
    """One row as FreeSWITCH's ``sofia xmlstatus`` converted to JSON shows it."""
    address = f"10.{ext // 65536 % 256}.{ext // 256 % 256}.{ext % 256}"
    return {
        "call-id": f"{ext:x}-{device}-7a3c9e@{address}",
        "user": f"{ext}@bench.example",
        "contact": f'"{ext}" <sip:{ext}@{address}:{5060 + device};transport=udp;fs_nat=yes>',
        "agent": "Yealink SIP-T46S 66.86.0.15" if device == 0 else "Grandstream GXP2170 1.0.11.3",
        "status": f"Registered(UDP-NAT)(unknown) exp(2026-11-27 18:29:38) expsecs({3600 - serial % 3600})",
        "ping-status": "Reachable",
        "ping-time": f"{12 + (ext + serial) % 17}.{serial % 100:02d}",
        "host": "sbc-bench-01",
        "network-ip": address,
        "network-port": str(5060 + device),
        "sip-auth-user": str(ext),
        "sip-auth-realm": "bench.example",
        "mwi-account": f"{ext}@bench.example",
    }


def bodies(extensions: int, flips: int, count: int, seed: int = 7) -> list[bytes]:
    numbers = list(range(100_000, 100_000 + extensions))
    rng = random.Random(seed)
    online = set(numbers)
    out = []
    for serial in range(count):
        if serial:
            online.symmetric_difference_update(rng.sample(numbers, flips))
        rows = [
            registration_row(ext, device, serial)
            for ext in numbers if ext in online
            for device in range(2 if ext % 50 == 0 else 1)
        ]
        out.append(json.dumps({"response": {"registrations": rows}}, separators=(",", ":")).encode())
    return out


class Server:
    def __init__(self, answers: list[bytes]) -> None:
        self.answers = answers
        self.walk: dict[str, int] = {}

    def next_body(self, prefix: str) -> bytes:
        count = len(self.answers)
        step = self.walk.get(prefix, -1) + 1
        self.walk[prefix] = step
        period = 2 * count - 2 if count > 1 else 1
        index = step % period
        return self.answers[index if index < count else period - index]

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                request_line, *header_lines = head.decode("latin-1").split("\r\n")
                length = 0
                for line in header_lines:
                    name, _, value = line.partition(":")
                    if name.strip().lower() == "content-length":
                        length = int(value.strip())
                if length:
                    await reader.readexactly(length)
                path = request_line.split(" ")[1]
                if path.endswith("/ext_reg/json"):
                    body = self.next_body(path.removesuffix("/ext_reg/json"))
                    status = b"200 OK"
                else:
                    body, status = b'{"error": "not found"}', b"404 Not Found"
                writer.write(
                    b"HTTP/1.1 " + status + b"\r\nContent-Type: application/json\r\n"
                    b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n"
                )
                writer.write(body)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


async def serve(port: int, answers: list[bytes]) -> None:
    server = await asyncio.start_server(Server(answers).handle, "127.0.0.1", port)
    print("ready", flush=True)
    async with server:
        await server.serve_forever()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--extensions", type=int, required=True)
    parser.add_argument("--flips", type=int, default=20)
    parser.add_argument("--bodies", type=int, default=6)
    args = parser.parse_args()
    asyncio.run(serve(args.port, bodies(args.extensions, args.flips, args.bodies)))


if __name__ == "__main__":
    main()

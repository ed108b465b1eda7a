"""``pumpview serve``'s socket: the connections it accepts send each answer at once."""

from __future__ import annotations

import asyncio
import socket

from pumpview.cli.serve import _listen


def test_connections_switch_nagle_off():
    """asyncio sets TCP_NODELAY only on sockets that say they are TCP; with Nagle on, a
    response's body waited for the ACK of its headers, which clients delay by 40 ms."""

    async def accept_one() -> int:
        accepted: asyncio.Future[int] = asyncio.get_running_loop().create_future()

        def on_connect(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            sock = writer.get_extra_info("socket")
            accepted.set_result(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
            writer.close()

        listening = _listen("127.0.0.1", 0)
        server = await asyncio.start_server(on_connect, sock=listening)
        async with server:
            _reader, writer = await asyncio.open_connection(*listening.getsockname())
            nodelay = await asyncio.wait_for(accepted, timeout=10)
            writer.close()
        return nodelay

    assert asyncio.run(accept_one()) != 0

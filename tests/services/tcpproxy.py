"""A loopback TCP forwarder that can come up late or answer 503 first, to play a flaky Keystone,
or spread connections over several ports, to play a Service and its endpoints."""

from __future__ import annotations

import contextlib
import socket
import threading

from tests.services import HOST, free_port

UNAVAILABLE = (
    b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\n"
    b"Content-Length: 12\r\nConnection: close\r\n\r\nunavailable\n"
)


class TcpProxy:
    """Forward connections on its own port to target_port once open()ed."""

    def __init__(self, target_port: int, unavailable_first: int = 0) -> None:
        """Pick a port; answer the first unavailable_first connections with a bare 503."""
        self.target_port = target_port
        self.port = free_port()
        self.url = f"http://{HOST}:{self.port}"
        self.unavailable_left = unavailable_first
        self.connections = 0
        self._targets: list[int] = []
        self._listener: socket.socket | None = None
        self._timer: threading.Timer | None = None
        self._lock = threading.Lock()

    def open(self) -> None:
        """Start listening and forwarding."""
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((HOST, self.port))
        listener.listen(64)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def open_after(self, delay: float) -> None:
        """Start listening after delay seconds (connections are refused until then)."""
        self._timer = threading.Timer(delay, self.open)
        self._timer.daemon = True
        self._timer.start()

    def route(self, *ports: int) -> None:
        """Spread new connections over these ports in turn (open ones finish where they are)."""
        with self._lock:
            self._targets = list(ports)

    def _next_target(self) -> int:
        """The port of the next connection: the routed ones in turn, else target_port."""
        with self._lock:
            if not self._targets:
                return self.target_port
            port = self._targets[self.connections % len(self._targets)]
            return port

    def close(self) -> None:
        """Stop listening (open connections finish on their own)."""
        if self._timer is not None:
            self._timer.cancel()
        if self._listener is not None:
            with contextlib.suppress(OSError):
                self._listener.close()
            self._listener = None

    def _accept(self, listener: socket.socket) -> None:
        """Accept connections until the listener closes."""
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            with self._lock:
                self.connections += 1
                refuse = self.unavailable_left > 0
                if refuse:
                    self.unavailable_left -= 1
            target = self._refuse if refuse else self._forward
            threading.Thread(target=target, args=(client,), daemon=True).start()

    def _refuse(self, client: socket.socket) -> None:
        """Read the request head and answer 503."""
        with client:
            client.settimeout(5)
            with contextlib.suppress(OSError):
                data = b""
                while b"\r\n\r\n" not in data:
                    chunk = client.recv(65536)
                    if not chunk:
                        break
                    data += chunk
                client.sendall(UNAVAILABLE)

    def _forward(self, client: socket.socket) -> None:
        """Pipe bytes both ways between client and target."""
        try:
            upstream = socket.create_connection((HOST, self._next_target()), timeout=10)
        except OSError:
            client.close()
            return
        upstream.settimeout(None)
        threading.Thread(target=_pump, args=(upstream, client), daemon=True).start()
        _pump(client, upstream)


def _pump(source: socket.socket, sink: socket.socket) -> None:
    """Copy from source to sink until either side closes."""
    try:
        while True:
            data = source.recv(65536)
            if not data:
                break
            sink.sendall(data)
    except OSError:
        pass
    finally:
        with contextlib.suppress(OSError):
            sink.shutdown(socket.SHUT_WR)
        with contextlib.suppress(OSError):
            source.close()

"""Turn a writer that pushes bytes into a file (PDF, XLSX) into chunks a response can stream."""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Callable, Iterator
from typing import Any

_DONE = object()


class _QueueWriter:
    """A write-only file writing to a bounded queue, so the producer waits for the reader."""

    def __init__(
        self, chunks: queue.Queue[Any], chunk_size: int, cancelled: threading.Event
    ) -> None:
        self._chunks = chunks
        self._cancelled = cancelled
        self._buffer = bytearray()
        self._chunk_size = chunk_size
        self.written = 0

    def write(self, data: bytes) -> int:
        if self._cancelled.is_set():
            raise BrokenPipeError("the reader went away")
        self._buffer += data
        self.written += len(data)
        if len(self._buffer) >= self._chunk_size:
            self.flush()
        return len(data)

    def tell(self) -> int:
        return self.written

    def flush(self) -> None:
        if self._buffer:
            self._chunks.put(bytes(self._buffer))
            self._buffer.clear()


def stream_writer(render: Callable[[Any], object], chunk_size: int = 64 * 1024) -> Iterator[bytes]:
    """Run `render(file)` in a thread and yield what it writes, holding at most a few chunks.

    Memory stays flat however large the document; an error in `render` is raised to the reader.
    """
    chunks: queue.Queue[Any] = queue.Queue(maxsize=8)
    failure: list[BaseException] = []
    cancelled = threading.Event()

    def work() -> None:
        writer = _QueueWriter(chunks, chunk_size, cancelled)
        try:
            render(writer)
            writer.flush()
        except BaseException as exc:  # handed to the reading thread
            if not cancelled.is_set():
                failure.append(exc)
        finally:
            while not cancelled.is_set():
                try:
                    chunks.put(_DONE, timeout=0.5)
                    break
                except queue.Full:
                    continue

    thread = threading.Thread(target=work, name="stream-writer", daemon=True)
    thread.start()
    try:
        while True:
            chunk = chunks.get()
            if chunk is _DONE:
                break
            yield chunk
    finally:
        cancelled.set()
        # Drain so a producer blocked on a full queue can finish when the client went away.
        while thread.is_alive():
            with contextlib.suppress(queue.Empty):
                chunks.get(timeout=0.1)
        thread.join()
    if failure:
        raise failure[0]


def primed(chunks: Iterator[bytes]) -> Iterator[bytes]:
    """`chunks` with its first chunk already made: an error before the first byte (a label that
    cannot be laid out, a missing font) is raised here, while the answer can still be an error,
    instead of cutting a 200 short."""
    first = next(chunks, None)
    if first is None:
        return iter(())

    def rest() -> Iterator[bytes]:
        yield first
        yield from chunks

    return rest()

"""`DatabaseThreads`: the threads that run the app's database work (the engine is synchronous).

`loop.run_in_executor` hands a call to a `ThreadPoolExecutor` through a
`concurrent.futures.Future` chained to an asyncio one, with the pool's
semaphore, its condition and the chaining callbacks on both sides: for a
page whose database work is a few hundred microseconds that was about a
tenth of its CPU time (measured with callgrind). Here a call goes to a
queue that the threads wait on, and its result straight to the awaiting
task's future through `loop.call_soon_threadsafe`.
"""

from __future__ import annotations

import asyncio
import contextlib
import queue
import threading
from collections.abc import Callable
from typing import Any, TypeVar

_T = TypeVar("_T")
_Job = tuple[asyncio.AbstractEventLoop, "asyncio.Future[Any]", Callable[..., Any], tuple[Any, ...]]


class DatabaseThreads:
    """`size` threads, started at once, running calls for the event loop until `shutdown()`."""

    def __init__(self, size: int, name: str = "stream-filters-db") -> None:
        if size < 1:
            raise ValueError("at least one database thread is needed")
        self.size = size
        self._jobs: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._threads = [threading.Thread(target=self._work, name=f"{name}-{i}", daemon=True) for i in range(size)]
        self._closed = False
        for thread in self._threads:
            thread.start()

    async def run(self, function: Callable[..., _T], *args: Any) -> _T:
        """`function(*args)` in one of the threads. A cancelled caller stops
        waiting; the call itself runs to its end (as with an executor)."""
        if self._closed:
            raise RuntimeError("the database threads are shut down")
        loop = asyncio.get_running_loop()
        future: asyncio.Future[_T] = loop.create_future()
        self._jobs.put((loop, future, function, args))
        return await future

    def shutdown(self, wait: bool = False) -> None:
        """No more calls; each thread ends after the calls queued before this."""
        if self._closed:
            return
        self._closed = True
        for _ in self._threads:
            self._jobs.put(None)
        if wait:
            for thread in self._threads:
                thread.join()

    @property
    def closed(self) -> bool:
        return self._closed

    def _work(self) -> None:
        while (job := self._jobs.get()) is not None:
            _run(*job)
            del job  # a finished call's future (its result) is not kept while the thread waits


def _run(loop: asyncio.AbstractEventLoop, future: asyncio.Future[Any], function: Callable[..., Any], args: Any) -> None:
    try:
        result = function(*args)
    except BaseException as exc:  # handed to the caller, as an executor would
        _answer(loop, _fail, future, exc)
    else:
        _answer(loop, _succeed, future, result)


def _answer(
    loop: asyncio.AbstractEventLoop, settle: Callable[..., None], future: asyncio.Future[Any], value: Any
) -> None:
    with contextlib.suppress(RuntimeError):  # the loop is closed: no one is waiting any more
        loop.call_soon_threadsafe(settle, future, value)


def _succeed(future: asyncio.Future[Any], result: Any) -> None:
    if not future.done():  # a caller cancelled meanwhile
        future.set_result(result)


def _fail(future: asyncio.Future[Any], exc: BaseException) -> None:
    if not future.done():
        future.set_exception(exc)

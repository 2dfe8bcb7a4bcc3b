"""`DatabaseThreads`: the threads that run the app's database work (the engine is synchronous).

`loop.run_in_executor` hands a call to a `ThreadPoolExecutor` through a
`concurrent.futures.Future` chained to an asyncio one, with the pool's
semaphore, its condition and the chaining callbacks on both sides: for a
page whose database work is a few hundred microseconds that was about a
tenth of its CPU time (measured with callgrind). Here a call goes straight
to one idle thread, woken through a lock of its own, and its result straight
to the awaiting task's future through `loop.call_soon_threadsafe`.

One lock per thread, not one queue all idle threads wait on: a queue's put
woke the waiting threads in turn (each taking the GIL only to wait again),
22 futex calls per page with two threads (`strace -c`); waking only the
thread that takes the call leaves 10. The idle threads form a stack, so the
thread that ran last, warm in the CPU's caches, takes the next call.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import threading
from collections import deque
from collections.abc import Callable
from typing import Any, TypeVar

_T = TypeVar("_T")
_Job = tuple[asyncio.AbstractEventLoop, "asyncio.Future[Any]", Callable[..., Any], tuple[Any, ...]]


class _Thread(threading.Thread):
    """A database thread, sleeping on a lock of its own until a call is handed to it."""

    def __init__(self, threads: DatabaseThreads, name: str) -> None:
        super().__init__(name=name, daemon=True)
        self._threads = threads
        self._wake = threading.Lock()
        self._wake.acquire()  # held until `hand` releases it: the thread waits to acquire it
        self._job: _Job | None = None

    def hand(self, job: _Job | None) -> None:
        """Wake the thread with `job` (None: end)."""
        self._job = job
        self._wake.release()

    def run(self) -> None:
        job = self._take()
        while job is not None:
            answer = _call(*job)
            # Idle again (or on to a waiting call) before answering, so that
            # the caller's next call finds this thread, the warm one.
            job = self._threads._next(self)
            answer()
            del answer  # a finished call's result is not kept while the thread waits
            if job is None and not self._threads.closed:
                job = self._take()

    def _take(self) -> _Job | None:
        self._wake.acquire()
        job, self._job = self._job, None
        return job


class DatabaseThreads:
    """`size` threads, started at once, running calls for the event loop until `shutdown()`."""

    def __init__(self, size: int, name: str = "stream-filters-db") -> None:
        if size < 1:
            raise ValueError("at least one database thread is needed")
        self.size = size
        self._lock = threading.Lock()  # guards _idle, _waiting and _closed
        self._threads = [_Thread(self, f"{name}-{i}") for i in range(size)]
        self._idle = list(self._threads)
        self._waiting: deque[_Job] = deque()  # calls that came while every thread was busy
        self._closed = False
        for thread in self._threads:
            thread.start()

    async def run(self, function: Callable[..., _T], *args: Any) -> _T:
        """`function(*args)` in one of the threads. A cancelled caller stops
        waiting; the call itself runs to its end (as with an executor)."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[_T] = loop.create_future()
        job: _Job = (loop, future, function, args)
        with self._lock:
            if self._closed:
                raise RuntimeError("the database threads are shut down")
            idle = self._idle.pop() if self._idle else None
            if idle is None:
                self._waiting.append(job)
        if idle is not None:
            idle.hand(job)
        return await future

    def shutdown(self, wait: bool = False) -> None:
        """No more calls; each thread ends after the calls taken before this."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            idle, self._idle = self._idle, []
        for thread in idle:
            thread.hand(None)
        if wait:
            for thread in self._threads:
                thread.join()

    @property
    def closed(self) -> bool:
        return self._closed

    def _next(self, thread: _Thread) -> _Job | None:
        """A waiting call for `thread`, which has finished its own; None once
        it is idle again (or, after `shutdown`, done)."""
        with self._lock:
            if self._waiting:
                return self._waiting.popleft()
            if not self._closed:
                self._idle.append(thread)
            return None


def _call(
    loop: asyncio.AbstractEventLoop, future: asyncio.Future[Any], function: Callable[..., Any], args: Any
) -> Callable[[], None]:
    """Run the call; what hands its outcome to the caller."""
    try:
        result = function(*args)
    except BaseException as exc:  # handed to the caller, as an executor would
        return functools.partial(_answer, loop, _fail, future, exc)
    return functools.partial(_answer, loop, _succeed, future, result)


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

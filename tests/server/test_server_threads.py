"""`DatabaseThreads`: calls run in its threads and their results (or
exceptions) reach the awaiting task; `size` calls run at once; a cancelled
caller leaves the call to finish; after `shutdown()` no call is taken."""

from __future__ import annotations

import asyncio
import threading

import pytest

from stream_filters.server.threads import DatabaseThreads


def test_a_call_runs_in_a_thread_of_its_own_and_answers() -> None:
    threads = DatabaseThreads(2)

    async def run() -> tuple[int, str]:
        return await threads.run(lambda a, b: (a + b, threading.current_thread().name), 2, 3)

    try:
        total, name = asyncio.run(run())
    finally:
        threads.shutdown(wait=True)
    assert total == 5
    assert name.startswith("stream-filters-db-") and name != threading.current_thread().name


def test_an_exception_reaches_the_caller() -> None:
    threads = DatabaseThreads(1)

    def fail() -> None:
        raise KeyError("gone")

    async def run() -> None:
        await threads.run(fail)

    try:
        with pytest.raises(KeyError, match="gone"):
            asyncio.run(run())
    finally:
        threads.shutdown(wait=True)


def test_size_calls_run_at_once() -> None:
    size = 4
    threads = DatabaseThreads(size)
    barrier = threading.Barrier(size, timeout=10)  # breaks unless all four wait together

    async def run() -> list[int]:
        return await asyncio.gather(*(threads.run(barrier.wait) for _ in range(size)))

    try:
        assert sorted(asyncio.run(run())) == list(range(size))
    finally:
        threads.shutdown(wait=True)


def test_a_cancelled_caller_leaves_the_call_to_finish() -> None:
    threads = DatabaseThreads(1)
    started, release, finished = threading.Event(), threading.Event(), threading.Event()

    def slow() -> str:
        started.set()
        release.wait(10)
        finished.set()
        return "done"

    async def run() -> str:
        task = asyncio.ensure_future(threads.run(slow))
        await asyncio.get_running_loop().run_in_executor(None, started.wait, 10)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        release.set()
        return await threads.run(str.upper, "next")  # the thread is free again, the loop unharmed

    try:
        assert asyncio.run(run()) == "NEXT"
        assert finished.wait(10)
    finally:
        threads.shutdown(wait=True)


def test_no_call_after_shutdown() -> None:
    threads = DatabaseThreads(2)
    threads.shutdown(wait=True)
    assert threads.closed
    assert not any(t.is_alive() for t in threads._threads)

    async def run() -> None:
        await threads.run(print)

    with pytest.raises(RuntimeError, match="shut down"):
        asyncio.run(run())


def test_at_least_one_thread() -> None:
    with pytest.raises(ValueError, match="at least one"):
        DatabaseThreads(0)


def test_calls_in_turn_run_on_the_thread_that_ran_last() -> None:
    """One idle thread is woken per call, the one warm from the last call."""
    threads = DatabaseThreads(3)

    async def run() -> set[str]:
        names = set()
        for _ in range(20):
            names.add(await threads.run(lambda: threading.current_thread().name))
        return names

    try:
        assert len(asyncio.run(run())) == 1
    finally:
        threads.shutdown(wait=True)


def test_calls_that_wait_for_a_thread_run_even_after_shutdown() -> None:
    threads = DatabaseThreads(1)
    started, release = threading.Event(), threading.Event()

    def first() -> str:
        started.set()
        release.wait(10)
        return "first"

    async def run() -> list[str]:
        loop = asyncio.get_running_loop()
        tasks = [asyncio.ensure_future(threads.run(first))]
        await loop.run_in_executor(None, started.wait, 10)
        tasks += [asyncio.ensure_future(threads.run(str, n)) for n in range(3)]
        await asyncio.sleep(0)  # the three are queued: the one thread is busy
        threads.shutdown()
        release.set()
        return await asyncio.gather(*tasks)

    assert asyncio.run(run()) == ["first", "0", "1", "2"]
    threads.shutdown(wait=True)
    assert not any(t.is_alive() for t in threads._threads)

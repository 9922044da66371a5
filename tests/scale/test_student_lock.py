"""The per-student lock that keeps two inference workers from overwriting each other's update of one student."""

import threading
import time
from types import SimpleNamespace

import pytest
from django.core.cache import cache

from live import records


@pytest.fixture(params=["locmem", "redis"])
def shared_cache(request, settings) -> None:
    """The embedded default's cache and the Redis cache production processes share."""
    if request.param == "redis":
        settings.CACHES = {
            "default": {
                "BACKEND": "config.cache.ReusingRedisCache",
                "LOCATION": request.getfixturevalue("redis_url"),
                "KEY_PREFIX": "pulse-lock-test",
            }
        }
    cache.clear()
    yield
    cache.clear()


def test_a_second_holder_of_a_student_waits_until_the_first_lets_go(shared_cache, monkeypatch) -> None:
    second_is_waiting = threading.Event()

    def sleep(seconds: float) -> None:  # the lock's polling: proof that the second holder is blocked
        second_is_waiting.set()
        time.sleep(seconds)

    monkeypatch.setattr(records, "time", SimpleNamespace(monotonic=time.monotonic, sleep=sleep))
    order: list[str] = []
    first_inside, release_first = threading.Event(), threading.Event()

    def first() -> None:
        with records.students_locked([7, 3]):
            order.append("first in")
            first_inside.set()
            release_first.wait(10)
            order.append("first out")

    def second() -> None:
        with records.students_locked([3]):
            order.append("second in")

    one, two = threading.Thread(target=first), threading.Thread(target=second)
    one.start()
    assert first_inside.wait(10)
    two.start()
    assert second_is_waiting.wait(10)
    assert order == ["first in"]
    release_first.set()
    one.join(10)
    two.join(10)

    assert order == ["first in", "first out", "second in"]
    assert cache.get("pulse:lock:student:3") is None
    assert cache.get("pulse:lock:student:7") is None


def test_a_lock_held_too_long_is_passed_over_and_left_to_its_holder(shared_cache, monkeypatch) -> None:
    monkeypatch.setattr(records, "STUDENT_LOCK_WAIT_S", 0.0)
    cache.set("pulse:lock:student:5", "another worker", timeout=30)
    entered = False

    with records.students_locked([5, 6]):
        entered = True
        assert cache.get("pulse:lock:student:6") is not None

    assert entered
    assert cache.get("pulse:lock:student:5") == "another worker"
    assert cache.get("pulse:lock:student:6") is None


def test_locks_after_a_contended_one_are_taken_only_once_it_is_free(shared_cache, monkeypatch) -> None:
    """In id order: while 4 is held elsewhere, 9 must not be held either (or two holders could deadlock)."""
    cache.set("pulse:lock:student:4", "another worker", timeout=30)
    seen_while_waiting: list[object] = []

    def sleep(seconds: float) -> None:
        seen_while_waiting.append(cache.get("pulse:lock:student:9"))
        cache.delete("pulse:lock:student:4")  # the other worker lets go

    monkeypatch.setattr(records, "time", SimpleNamespace(monotonic=time.monotonic, sleep=sleep))
    with records.students_locked([9, 2, 4]):
        held = [cache.get(f"pulse:lock:student:{pid}") for pid in (2, 4, 9)]

    assert seen_while_waiting == [None]
    assert None not in held and len(set(held)) == 1  # all three are ours, one token
    assert [cache.get(f"pulse:lock:student:{pid}") for pid in (2, 4, 9)] == [None, None, None]


def test_the_redis_cache_adds_a_run_of_keys_in_one_round_trip(redis_url) -> None:
    from config.cache import ReusingRedisCache

    shared = ReusingRedisCache(redis_url, {"KEY_PREFIX": "pulse-add-test"})
    shared.delete_many(["a", "b", "c", "d"])
    shared.set("c", "theirs", timeout=30)
    try:
        assert shared.add_in_order(["a", "b", "c", "d"], "mine", timeout=30) == 2
        assert shared.get_many(["a", "b", "c", "d"]) == {"a": "mine", "b": "mine", "c": "theirs"}  # d given back
        assert 0 < shared._cache.get_client().ttl(shared.make_key("a")) <= 30  # a crashed holder's lock expires
        assert shared.add_in_order([], "mine", timeout=30) == 0
        shared.delete("c")
        assert shared.add_in_order(["c", "d"], "mine", timeout=30) == 2
    finally:
        shared.delete_many(["a", "b", "c", "d"])


def test_the_redis_cache_reuses_one_client(redis_url) -> None:
    from config.cache import ReusingRedisCache

    shared = ReusingRedisCache(redis_url, {"KEY_PREFIX": "pulse-client-test"})
    assert shared._cache.get_client(write=True) is shared._cache.get_client(write=False)
    shared.set("k", 1)
    assert shared.get("k") == 1
    shared.delete("k")

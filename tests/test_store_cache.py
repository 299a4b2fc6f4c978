"""The per-store cache (kg/store/cache.py): computed once per key, even by threads that ask
at once; aged out where the store may change; and a new one for each store swapped in."""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import pytest

from endpoint.http.holder import StoreHolder
from kg.settings import Settings
from kg.store.cache import StoreCache


def test_a_key_is_computed_once_by_threads_that_ask_at_once() -> None:
    cache = StoreCache()
    calls: list[int] = []
    gate = threading.Barrier(8)
    release = threading.Event()

    def compute() -> str:
        calls.append(1)
        release.wait(10)  # the other threads ask while this one computes
        return "value"

    results: list[str] = []

    def ask() -> None:
        gate.wait()
        results.append(cache.get_or_compute("key", compute))

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for thread in threads:
        thread.start()
    release.set()
    for thread in threads:
        thread.join(10)
    assert results == ["value"] * 8 and len(calls) == 1
    assert cache.get("key") == "value" and cache.get("other") is None


def test_a_failed_computation_is_not_kept() -> None:
    cache = StoreCache()

    def fail() -> str:
        raise ValueError("no")

    with pytest.raises(ValueError):
        cache.get_or_compute("key", fail)
    assert cache.get_or_compute("key", lambda: "made") == "made"


def test_entries_age_out_only_where_the_store_may_change() -> None:
    lasting, remote = StoreCache(), StoreCache(max_age=0.0)
    for cache in (lasting, remote):
        cache.get_or_compute("k", lambda: 1)
    assert lasting.get_or_compute("k", lambda: 2) == 1
    assert remote.get_or_compute("k", lambda: 2) == 2  # older than 0 s: made again
    # a costly entry's own max age applies only where the cache has one
    assert lasting.get_or_compute("k", lambda: 3, max_age=0.0) == 1
    remote.clear()
    assert remote.get("k") is None


def test_a_store_swapped_in_comes_with_a_new_cache(built: Settings, tmp_path: Path) -> None:
    serving = built.serving_store()
    var = tmp_path / "var"
    (var / "stores").mkdir(parents=True)
    for name in ("a", "b"):
        shutil.copytree(serving, var / "stores" / name)
    (var / "store").symlink_to("stores/a")
    settings = Settings(root=built.root, var_dir=var)
    holder = StoreHolder(settings)
    first = holder.get()
    first.cache.put("figures", 1)
    assert holder.get() is first and holder.get().cache.get("figures") == 1
    (var / "next").symlink_to("stores/b")
    os.replace(var / "next", var / "store")  # what a build's swap does
    second = holder.get()
    assert second is not first and second.cache is not first.cache
    assert second.cache.get("figures") is None

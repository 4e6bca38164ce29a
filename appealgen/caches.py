"""Caches a long-lived process keeps: bounded by count (and by weight), least recently used
forgotten first. Light to import (the template environment and the toolkit both use them)."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class BoundedCache(OrderedDict[K, V], Generic[K, V]):
    """A dict that forgets its least recently used entries beyond `size` (a long-lived worker
    must not grow without end)."""

    def __init__(self, size: int) -> None:
        super().__init__()
        self.size = size

    def __getitem__(self, key: K) -> V:
        value = super().__getitem__(key)
        self.move_to_end(key)
        return value

    def __setitem__(self, key: K, value: V) -> None:
        super().__setitem__(key, value)
        self.move_to_end(key)
        while len(self) > self.size:
            self.popitem(last=False)


class WeighedCache(BoundedCache[K, V]):
    """A BoundedCache that also forgets its least recently used entries once their summed
    weight (bytes, say) passes `budget`: a few large files must not hold a worker's memory.
    With `second_sight`, a value is kept only the second time its key is offered (the keys
    offered once are remembered, up to that many): most files of a batch are met once, and
    they must not fill the cache (a worker's memory grew 20 MB over 1,000 packets)."""

    def __init__(self, size: int, budget: int, weigh: Callable[[V], int], second_sight: int = 0) -> None:
        super().__init__(size)
        self.budget = budget
        self.weigh = weigh
        self.weight = 0
        self.offered: BoundedCache[K, None] | None = BoundedCache(second_sight) if second_sight else None

    def __setitem__(self, key: K, value: V) -> None:
        if key in self:
            self.weight -= self.weigh(self.pop(key))
        elif self.offered is not None and key not in self.offered:
            self.offered[key] = None  # met once: remembered, not kept
            return
        if self.weigh(value) > self.budget:  # kept, it would push out everything else and then itself
            return
        OrderedDict.__setitem__(self, key, value)
        self.move_to_end(key)
        self.weight += self.weigh(value)
        while self and (len(self) > self.size or self.weight > self.budget):
            _, old = self.popitem(last=False)
            self.weight -= self.weigh(old)

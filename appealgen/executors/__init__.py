"""Executors run one work function over many items and stream the outcomes back as they
finish. In this process today; a pool of worker processes and a Dask cluster are other
implementations of the same interface."""

from appealgen.executors.base import Executor, Work, attempt
from appealgen.executors.inprocess import InProcessExecutor

__all__ = ["Executor", "InProcessExecutor", "Work", "attempt"]

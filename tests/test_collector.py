"""How the tool spares Python's cyclic collector: paused while bulk objects are made and turned
back on after, collected less often in a command's process, the imports of a worker pool frozen
before it forks, and YAML read by libyaml's parser where PyYAML has it."""

from __future__ import annotations

import gc
import subprocess
import sys
from collections.abc import Iterator

import pytest
import yaml
from click.testing import CliRunner

from appealgen.cli import main
from appealgen.collector import COMMAND_THRESHOLDS, gc_paused
from appealgen.documents import _DecimalLoader
from tests.conftest import REPO


@pytest.fixture
def thresholds() -> Iterator[None]:
    before = gc.get_threshold()
    yield
    gc.set_threshold(*before)


def test_the_collector_is_paused_inside_and_back_on_after() -> None:
    assert gc.isenabled()
    with gc_paused():
        assert not gc.isenabled()
        with gc_paused():  # nested: the inner one leaves it paused
            pass
        assert not gc.isenabled()
    assert gc.isenabled()


def test_a_paused_collector_comes_back_on_after_an_error() -> None:
    with pytest.raises(ValueError), gc_paused():
        raise ValueError("boom")
    assert gc.isenabled()


def test_a_command_collects_less_often(thresholds: None) -> None:
    gc.set_threshold(700, 10, 10)
    result = CliRunner().invoke(main, ["templates", "list"])
    assert result.exit_code == 0, result.output
    assert gc.get_threshold() == COMMAND_THRESHOLDS


def test_a_pool_freezes_what_its_imports_made_before_forking() -> None:
    script = ("import gc; from appealgen.executors.pool import preload; preload(); "
              "print(gc.get_freeze_count() > 0, gc.isenabled())")
    done = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["True", "True"]


@pytest.mark.skipif(not yaml.__with_libyaml__, reason="PyYAML built without libyaml")
def test_yaml_is_parsed_by_libyaml_where_pyyaml_has_it() -> None:
    assert issubclass(_DecimalLoader, yaml.CSafeLoader)

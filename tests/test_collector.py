"""How the tool spares Python's cyclic collector: paused while bulk objects are made and turned
back on after, collected less often in the program's own process, and YAML read by libyaml's
parser where PyYAML has it."""

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


def test_the_program_collects_less_often_and_a_library_caller_keeps_its_settings(thresholds: None) -> None:
    gc.set_threshold(700, 10, 10)
    assert CliRunner().invoke(main, ["templates", "list"]).exit_code == 0
    assert gc.get_threshold() == (700, 10, 10)
    script = ("import gc, sys; from appealgen.cli import run; sys.argv = ['appealgen', '--version']\n"
              "try:\n    run()\nexcept SystemExit:\n    print(*gc.get_threshold())")
    done = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, check=True)
    assert done.stdout.split()[-3:] == [str(n) for n in COMMAND_THRESHOLDS]


@pytest.mark.skipif(not yaml.__with_libyaml__, reason="PyYAML built without libyaml")
def test_yaml_is_parsed_by_libyaml_where_pyyaml_has_it() -> None:
    assert issubclass(_DecimalLoader, yaml.CSafeLoader)

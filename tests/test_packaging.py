"""The wheel carries the built-in templates and payer profiles: a plain install builds the examples."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

from appealgen.settings import Settings
from appealgen.toolkit import Toolkit
from appealgen.workspace import Workspace
from tests.conftest import REPO


def test_wheel_builds_every_example_without_the_source_tree(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
         "-w", str(tmp_path / "dist"), str(REPO)],
        check=True, capture_output=True,
    )
    wheel = next((tmp_path / "dist").glob("appealgen-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    for shipped in ("appealgen/_builtin/templates/letters/medical_necessity.docx",
                    "appealgen/_builtin/templates/cover_sheets/packet_front.html",
                    "appealgen/_builtin/payers/medicare-dme.yaml", "appealgen/rules/policies.yaml"):
        assert shipped in names
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    work = tmp_path / "work"  # no templates/ or payers/ here: only the built-ins can serve
    work.mkdir()
    env = {**os.environ, "PYTHONPATH": str(site)}
    probe = subprocess.run([sys.executable, "-c", "import appealgen; print(appealgen.__file__)"],
                           cwd=work, env=env, capture_output=True, text=True, check=True)
    assert probe.stdout.startswith(str(site))
    claims = sorted(str(p) for p in (REPO / "examples").glob("*/claim.yaml"))
    result = subprocess.run(
        [sys.executable, "-m", "appealgen", "build", *claims, "--out", str(work / "out"),
         "--as-of", "2026-11-22", "--json"],
        cwd=work, env=env, capture_output=True, text=True,
    )
    assert result.returncode == 3, result.stderr  # one example lacks progress notes on purpose
    reports = {r["claim_id"]: r for r in json.loads(result.stdout)}
    assert sorted(reports) == ["ACCT-1001", "ACCT-2002", "ACCT-3003", "ACCT-4004", "ACCT-5005", "ACCT-6006",
                               "ACCT-7007"]
    assert [r["check"]["passed"] for r in reports.values()].count(False) == 1
    assert not reports["ACCT-4004"]["check"]["passed"]
    # Installed elsewhere (a cluster worker), the same templates hash the same: resume holds.
    installed = Settings(Workspace(None, site / "appealgen" / "_builtin"))
    assert Toolkit(installed).templates_digest() == Toolkit(Settings(Workspace(None, REPO))).templates_digest()

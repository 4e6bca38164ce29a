"""A small test harness over the library's build path: one toolkit, many builds."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from jinja2.sandbox import SandboxedEnvironment

from appealgen.build import Planned, build_one, plan_item
from appealgen.report import PacketReport
from appealgen.settings import Settings, read_workspace_file
from appealgen.sources.items import Item
from appealgen.toolkit import Toolkit
from appealgen.workspace import Workspace


class Builder:
    def __init__(self, workspace: Workspace, attachments_root: Path | None = None,
                 today: date | None = None) -> None:
        self.settings = Settings(workspace, today or date.today(), attachments_root=attachments_root,
                                 file=read_workspace_file(workspace))
        self.tools = Toolkit(self.settings).__enter__()

    @property
    def env(self) -> SandboxedEnvironment:
        return self.tools.env

    def plan(self, item: Item) -> Planned:
        return plan_item(self.settings, self.tools, item)

    def build(self, item: Item, out: Path) -> PacketReport:
        report = build_one(self.settings.with_(out=out), self.tools, item).report
        assert report is not None
        return report

"""A small test harness over the library's build path: one toolkit, many builds."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from jinja2.sandbox import SandboxedEnvironment

from appealgen.build import build_one
from appealgen.planned import Planned, plan_item
from appealgen.render.office import CommandLineConverter, ListenerConverter
from appealgen.report import PacketReport
from appealgen.settings import Settings, read_workspace_file
from appealgen.sources.items import Item
from appealgen.toolkit import Toolkit
from appealgen.workspace import Workspace


class Builder:
    def __init__(self, workspace: Workspace, attachments_root: Path | None = None,
                 today: date | None = None, warm: bool = False) -> None:
        """`warm`: a LibreOffice listener converts the Word letters (many packets; close() it)."""
        self.settings = Settings(workspace, today or date.today(), attachments_root=attachments_root,
                                 file=read_workspace_file(workspace))
        converter = ListenerConverter if warm else CommandLineConverter
        self.tools = Toolkit(self.settings, converter=converter).__enter__()

    def close(self) -> None:
        self.tools.close()

    @property
    def env(self) -> SandboxedEnvironment:
        return self.tools.env

    def plan(self, item: Item) -> Planned:
        return plan_item(self.settings, self.tools, item)

    def build(self, item: Item, out: Path) -> PacketReport:
        report = build_one(self.settings.with_(out=out), self.tools, item).report
        assert report is not None
        return report

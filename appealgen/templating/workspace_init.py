"""`appealgen init DIR`: a team workspace a billing lead can start from: folders for letters,
cover sheets and payer profiles, the settings file, sample claims and a short README."""

from __future__ import annotations

import shutil
from pathlib import Path

from appealgen.errors import InputError
from appealgen.workspace import SETTINGS_FILE, builtin_root

SAMPLES = ("auth-commercial", "cpap-medicare")
SETTINGS = """\
# appealgen workspace settings. Every key is optional (appealgen's guide for billing leads
# describes them; `appealgen --help` lists the commands).
# The tracking log: SQLite in this folder unless a shared PostgreSQL is named here.
# database_url: postgresql://appeals@db.example.invalid/appeals
"""
README = """\
# Our appeal letters and payer rules

This folder is an appealgen workspace. Files here replace the built-in ones of the same name.

- `templates/letters/`: letters. Copy a built-in letter here to change it (list them with
  `appealgen templates list`), edit it in Word, then check and preview it:
  `appealgen templates check` and
  `appealgen templates preview letters/medical_necessity.docx --claim claims/cpap-medicare/claim.yaml --png`.
- `templates/letters/<payer-id>/`: a letter for one payer only.
- `templates/cover_sheets/`: cover sheets and the index page.
- `payers/`: payer profiles (addresses, fax numbers, appeal levels, required documents).
- `claims/`: sample claims with invented patients, to preview against.
- `previews/`: where `appealgen templates preview` writes (unless `--out` says otherwise).
- `appealgen.yaml`: the team's settings.

`appealgen templates fields` lists every name a letter may use. Run any command from this
folder or below it and it uses this workspace (the first line it prints says so).
"""


def init_workspace(folder: Path) -> list[Path]:
    """Create the workspace; refuses a folder that already holds one (nothing is overwritten)."""
    if (folder / SETTINGS_FILE).exists():
        raise InputError(folder / SETTINGS_FILE, None, "already exists: this folder is a workspace; nothing changed")
    if folder.exists() and not folder.is_dir():
        raise InputError(folder, None, "is a file, not a folder")
    # A team's workspace holds templates, profiles and invented sample claims, no patient data:
    # it takes the usual permissions (the umask), so colleagues can open it.
    created = []
    for sub in ("templates/letters", "templates/cover_sheets", "payers", "claims", "previews"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
        created.append(folder / sub)
    examples = builtin_root() / "examples"
    for sample in SAMPLES:
        source = examples / sample
        if source.is_dir():
            target = folder / "claims" / sample
            shutil.copytree(source, target, dirs_exist_ok=True)
            created.append(target)
    (folder / "README.md").write_text(README, encoding="utf-8")
    (folder / SETTINGS_FILE).write_text(SETTINGS, encoding="utf-8")
    return [*created, folder / "README.md", folder / SETTINGS_FILE]

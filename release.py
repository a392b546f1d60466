"""Release files beside the artifacts: SHA256SUMS and a JSON manifest, for CI to publish."""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from pathlib import Path

from deckbook.bank import Bank
from deckbook.exporters.base import Artifact

SUMS, MANIFEST = "SHA256SUMS", "manifest.json"


def files(bank: Bank, artifacts: list[Artifact], version: str,
          removed: Mapping[str, int] | None = None) -> dict[Path, bytes]:
    """SHA256SUMS (in sha256sum's format) and manifest.json for *artifacts*, by path; the
    manifest lists the questions that left the bank (*removed*: id and date, from the dates
    ledger), which stay in learners' Anki collections."""
    folder = artifacts[0].path.parent
    ordered = sorted(artifacts, key=lambda artifact: artifact.path.name)
    sums = "".join(f"{artifact.sha256}  {artifact.path.name}\n" for artifact in ordered)
    manifest = {
        "deckbook": version,
        "bank": {
            "title": bank.title,
            "namespace": bank.namespace,
            "file": Path(bank.source).name,
            "date": _stamp(bank.modified),
            "questions": len(bank.questions),
            "topics": [{"id": topic.id, "name": topic.name, "questions": len(questions)}
                       for topic, questions in bank.sections()],
            "removed": [{"id": key, "date": _stamp(date)} for key, date in sorted((removed or {}).items())],
        },
        "artifacts": [{"file": artifact.path.name, "format": artifact.name, "bytes": artifact.size,
                       "sha256": artifact.sha256, **artifact.facts} for artifact in artifacts],
    }
    return {folder / SUMS: sums.encode(),
            folder / MANIFEST: (json.dumps(manifest, indent=2, ensure_ascii=False) + "\n").encode()}


def _stamp(seconds: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))


def foreign_artifacts(bank: Bank, folder: Path) -> str | None:
    """Why *folder* must not take *bank*'s build, or None: it holds artifacts another bank
    published there, which a new SHA256SUMS would silently stop listing."""
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        owner = manifest["bank"]
        listed = [entry["file"] for entry in manifest["artifacts"]]
    except (OSError, ValueError, KeyError, TypeError):
        return None  # no manifest, or not one of ours: nothing listed to lose
    same = owner.get("namespace", owner.get("title")) == bank.namespace or owner.get("title") == bank.title
    present = [name for name in listed if isinstance(name, str) and (folder / name).is_file()]
    if same or not present:
        return None
    return (f"{folder} holds the artifacts of another bank, '{owner.get('title')}' "
            f"({', '.join(present[:3])}{' and more' if len(present) > 3 else ''}), which its "
            f"{SUMS} lists; build into another --out folder, or remove them first")

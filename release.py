"""Release files beside the artifacts: SHA256SUMS and a JSON manifest, for CI to publish."""

from __future__ import annotations

import json
import time
from pathlib import Path

from deckbook.bank import Bank
from deckbook.exporters.base import Artifact

SUMS, MANIFEST = "SHA256SUMS", "manifest.json"


def files(bank: Bank, artifacts: list[Artifact], version: str) -> dict[Path, bytes]:
    """SHA256SUMS (in sha256sum's format) and manifest.json for *artifacts*, by path."""
    folder = artifacts[0].path.parent
    ordered = sorted(artifacts, key=lambda artifact: artifact.path.name)
    sums = "".join(f"{artifact.sha256}  {artifact.path.name}\n" for artifact in ordered)
    manifest = {
        "deckbook": version,
        "bank": {
            "title": bank.title,
            "file": Path(bank.source).name,
            "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(bank.modified)),
            "questions": len(bank.questions),
            "topics": [{"id": topic.id, "name": topic.name, "questions": len(questions)}
                       for topic, questions in bank.sections()],
        },
        "artifacts": [{"file": artifact.path.name, "format": artifact.name, "bytes": artifact.size,
                       "sha256": artifact.sha256, **artifact.facts} for artifact in artifacts],
    }
    return {folder / SUMS: sums.encode(),
            folder / MANIFEST: (json.dumps(manifest, indent=2, ensure_ascii=False) + "\n").encode()}

"""Council profiles (``config/councils/<slug>.yaml``, or ``<home>/councils/<slug>/profile.yaml``)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from config.settings import CONFIG_DIR

DEFAULT_ASK_INSTEAD = "your Clerk"


@dataclass(frozen=True, slots=True)
class CouncilProfile:
    council: str
    ask_instead: str = DEFAULT_ASK_INSTEAD


def load_profile(slug: str, home: Path) -> CouncilProfile:
    for path in (home / "councils" / slug / "profile.yaml", CONFIG_DIR / "councils" / f"{slug}.yaml"):
        if path.exists():
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            return CouncilProfile(council=slug, ask_instead=str(data.get("ask_instead", DEFAULT_ASK_INSTEAD)))
    return CouncilProfile(council=slug)


def write_profile(slug: str, home: Path, *, ask_instead: str = DEFAULT_ASK_INSTEAD) -> Path:
    path = home / "councils" / slug / "profile.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump({"council": slug, "ask_instead": ask_instead}), encoding="utf-8")
    return path

"""Wiring for the command line: one library per process, the real model unless told otherwise."""

from __future__ import annotations

import os
import sys

from bot.qa import QaService
from config.settings import home
from knowledge.embedding import Embedder, HashEmbedder
from knowledge.library import Library


def make_embedder() -> Embedder:
    """``PROTOCOL_BOT_EMBEDDER=hash`` swaps in the fake embedder (tests of wiring, never of quality)."""
    if os.environ.get("PROTOCOL_BOT_EMBEDDER") == "hash":
        return HashEmbedder()
    from knowledge.st_embedder import SentenceTransformerEmbedder

    return SentenceTransformerEmbedder()


def make_service(*, verbose: bool = False) -> QaService:
    def progress(message: str) -> None:
        if verbose:
            print(message, file=sys.stderr, flush=True)

    return QaService(Library(home(), make_embedder(), progress))

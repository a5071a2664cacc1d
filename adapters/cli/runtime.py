"""Wiring for the command line: one library per process, the real model unless told otherwise."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from adapters.cli.checks.home import require_writable
from bot.qa import QaService
from config.settings import home
from knowledge.embedding import Embedder, HashEmbedder
from knowledge.library import Library


def make_embedder(where: Path | None = None) -> Embedder:
    """``PROTOCOL_BOT_EMBEDDER=hash`` swaps in the fake embedder for documents and questions alike (tests of
    wiring, never of quality). Otherwise questions go through the ONNX export kept in the home, so a process
    answering from a built index never imports torch."""
    if os.environ.get("PROTOCOL_BOT_EMBEDDER") == "hash":
        return HashEmbedder()
    from knowledge.query_encoder import MiniLmEmbedder

    return MiniLmEmbedder(where or home())


def make_service(*, verbose: bool = False) -> QaService:
    def progress(message: str) -> None:
        if verbose:
            print(message, file=sys.stderr, flush=True)

    where = home()
    require_writable(where)  # before minutes of embedding end in a traceback from the index's save
    return QaService(Library(where, make_embedder(where), progress))

"""Shared fixtures: a network guard, a throwaway home, and the real model loaded once per session."""

from __future__ import annotations

import ipaddress
import os
import socket
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.databases import BACKENDS, open_store

pytest_plugins = ["tests.case_fixtures"]

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"

_real_connect = socket.socket.connect


def _is_loopback(address: Any) -> bool:
    if isinstance(address, tuple):
        host = address[0]
        try:
            return ipaddress.ip_address(host).is_loopback
        except ValueError:
            return bool(host == "localhost")
    return True  # unix sockets


def _guarded_connect(self: socket.socket, address: Any) -> Any:
    if not _is_loopback(address):
        raise RuntimeError(f"test tried to reach beyond loopback: {address!r}")
    return _real_connect(self, address)


@pytest.fixture(autouse=True)
def network_guard(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(socket.socket, "connect", _guarded_connect)


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("PROTOCOL_BOT_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


@pytest.fixture(scope="session")
def real_embedder() -> Any:
    from knowledge.st_embedder import SentenceTransformerEmbedder

    embedder = SentenceTransformerEmbedder()
    embedder.warm_up()
    return embedder


@pytest.fixture(scope="session")
def real_library(tmp_path_factory: pytest.TempPathFactory, real_embedder: Any) -> Iterator[Any]:
    """Wired as the bot is: documents by sentence-transformers, questions by the ONNX export made at build."""
    from knowledge.library import Library
    from knowledge.query_encoder import MiniLmEmbedder

    home = tmp_path_factory.mktemp("model-home")
    library = Library(home, MiniLmEmbedder(home, documents=real_embedder))
    library.load_all()
    yield library


@pytest.fixture(scope="module")
def qa(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """Q&A over all five bundled protocols with the fake embedder: dialogue and flow scenarios (not quality)."""
    from bot.qa import QaService
    from knowledge.embedding import HashEmbedder
    from knowledge.library import Library

    library = Library(tmp_path_factory.mktemp("fake-home"), HashEmbedder())
    library.load_all()
    return QaService(library)


@pytest.fixture(params=BACKENDS)
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Any]:
    """The store on SQLite, and on PostgreSQL where one answers (``tests/databases.py``)."""
    async with open_store(request.param, tmp_path) as opened:
        yield opened

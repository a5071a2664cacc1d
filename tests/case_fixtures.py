"""Fixtures shared by the flow and case suites (a plugin of ``tests/conftest.py``): the deployment's case key
(``protocol-bot keys init`` or the first start made it; a Dialogue never does) and a terminal chat over a started
dialogue. A suite that files cases says ``pytestmark = pytest.mark.usefixtures("case_key")``."""

from __future__ import annotations

import pytest

from adapters.memory import MemoryAdapter
from bot.cases.keys import ENV_VAR, MasterKey
from bot.dialogue import Dialogue
from bot.middleware import RateLimit
from bot.qa import QaService
from bot.store import Store


@pytest.fixture
def case_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_VAR, MasterKey.generate().encoded())


@pytest.fixture
async def terminal(qa: QaService, store: Store) -> MemoryAdapter:
    dialogue = Dialogue(qa, store, rate_limit=RateLimit(burst=1000))  # scenarios click faster than people
    await dialogue.start()
    return MemoryAdapter(dialogue, platform="terminal")

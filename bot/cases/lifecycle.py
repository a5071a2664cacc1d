"""A case after it is filed, as a whistleblowing desk runs it (GlobaLeaks is the model): a recipient acknowledges
it, asks the reporter questions and closes it with an outcome; the reporter answers, adds information or withdraws
it, through the receipt code alone.

Part of ``CaseDesk`` (``bot.cases.desk``), which supplies ``_reseal``: every text here (question, answer,
addition, outcome) is sealed into the case's details, never a column, and each change of state is one conditional
write, so a withdrawal and a close arriving together settle on one of them. Nothing here knows who the reporter
is; the recipients named are the ones acting.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from bot.cases.content import ADDITION, ANSWER, QUESTION, with_entry, with_outcome
from bot.people import Member
from bot.store import Store
from bot.store.cases import StoredCase


class CaseLifecycle:
    store: Store
    retention: timedelta

    async def _reseal(self, case: StoredCase, change: Callable[[dict[str, Any]], dict[str, Any]], *,
                      when_open: bool = False, close: bool = False) -> bool:
        raise NotImplementedError  # CaseDesk's

    async def acknowledge(self, case: StoredCase) -> bool:
        """``False`` if it was already acknowledged, or is no longer open."""
        return await self.store.cases.acknowledge(case.id)

    async def ask(self, case: StoredCase, by: Member, question: str) -> bool:
        """A recipient's question for the reporter, sealed with the case. Asking acknowledges (the case was read).
        ``False`` if the case is no longer open."""
        if not await self._reseal(case, lambda data: with_entry(data, QUESTION, question, by.name), when_open=True):
            return False
        await self.store.cases.acknowledge(case.id)
        return True

    async def answer(self, case: StoredCase, text: str) -> bool:
        """The reporter's answer to the questions waiting; ``False`` if the case is no longer open."""
        return await self._reseal(case, lambda data: with_entry(data, ANSWER, text), when_open=True)

    async def add_information(self, case: StoredCase, text: str) -> bool:
        """``False`` if the case is no longer open."""
        return await self._reseal(case, lambda data: with_entry(data, ADDITION, text), when_open=True)

    async def close(self, case: StoredCase, by: Member, outcome: str) -> bool:
        """Seal the outcome and close the case in one write; the retention period runs from now. ``False`` if it
        was no longer open (withdrawn or closed meanwhile)."""
        return await self._reseal(case, lambda data: with_outcome(data, outcome, by.name), close=True)

    async def withdraw(self, case: StoredCase) -> bool:
        """The reporter withdraws an open case: recipients no longer see its details, and the retention period runs
        from now. ``False`` if it was not open."""
        return await self.store.cases.withdraw(case.id)

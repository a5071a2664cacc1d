"""Helpful / not helpful: every answer carries the two buttons; a press rates the stored answer."""

from __future__ import annotations

from bot.context import Turn
from bot.messages import Action, Button, Reply, Visibility, say

ACTION = "feedback"


def buttons(answer_id: str) -> tuple[Button, ...]:
    return (Button("Helpful", Action(ACTION, f"{answer_id}:y")),
            Button("Not helpful", Action(ACTION, f"{answer_id}:n")))


async def on_press(turn: Turn, value: str) -> list[Reply]:
    answer_id, _, verdict = value.rpartition(":")
    if verdict not in ("y", "n") or not await turn.store.feedback.rate(answer_id, verdict == "y"):
        return [say("Sorry, I can no longer find that answer to rate.", visibility=Visibility.EPHEMERAL,
                    kind="feedback")]
    await turn.audit("feedback.rated", ref=answer_id)
    return [say("Thank you: the Clerk reviews this feedback.", visibility=Visibility.EPHEMERAL, kind="feedback")]

"""Slack adapter: slack-bolt's ``AsyncApp`` translating Slack events to ``Incoming`` and ``Reply`` to Block Kit.

    events.py    payloads (app_mention, message.im, /protocol, block_actions) -> Incoming + Origin
    blocks.py    Reply -> Block Kit messages (escaped, split within Slack's limits); buttons replaced by choices
    delivery.py  where each reply goes: the thread, an ephemeral note, a DM, or the command's response URL
    app.py       the Bolt listeners, acknowledging first and answering after
    client.py    the Web API client (configurable base URL, 429 Retry-After and 5xx retries)
    http.py      /slack/events (checked before parsing) and /healthz over aiohttp;  runner.py: ``serve --slack``
    tokens.py    auth.test / apps.connections.open at start;  handover.py: undelivered replies to the outbox
    hints.py     command hints as Slack accepts them (/protocol NAME);  mentions.py: /role PERSON as a user id

No business logic lives here: every decision is ``Dialogue.handle``'s.
"""

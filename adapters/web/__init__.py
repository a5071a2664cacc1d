"""The browser as one more platform (``web``): a GOV.UK-styled console for the Clerk and a chat for everyone else.

``protocol-bot serve --web`` runs an aiohttp server with server-rendered Jinja2 pages over the same ``Dialogue``
and services as Slack and Telegram: every question, flow, case action and publication goes through
``Dialogue.handle`` with ``platform="web"``, so permissions, confidentiality and audit are the bot's, not the
page's. Sign-in is a one-time code sent to the member's linked chat (or a link printed by
``protocol-bot login-link`` for the first Clerk); sessions live in the database.
"""

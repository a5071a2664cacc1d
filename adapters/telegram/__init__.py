"""Telegram: python-telegram-bot's ``Application`` over ``Dialogue.handle``, by long polling or webhook.

    translate.py  Message / CallbackQuery -> Incoming (is a group message for us? deep links)
    bridge.py     the handlers: ask the dialogue, answer presses, the error handler, the command menu
    delivery.py   where each reply goes; the content-free pointer a group sees for private replies
    render.py     Reply -> escaped HTML, split on clause boundaries under 4,096 characters
    keyboards.py  Button <-> inline keyboard and 64-byte callback data
    documents.py  the Clerk's /publish document -> Attachment (downloaded, at most 1 MB, UTF-8 text only)
    retry.py      flood control (429 retry_after) waited out, network errors retried with backoff
    app.py        the Application, pointed at any Bot API server
    updates.py    updates parsed one at a time: one the library cannot read is skipped, never retried forever
    webhook.py    the webhook endpoint (secret checked first; junk is 400, quietly)
    runner.py     protocol-bot serve --telegram [--webhook URL]
    outbox.py     the broadcast outbox worker for Telegram, run inside serve
    sender.py     broadcast deliveries to Telegram (the outbox's sender)
"""

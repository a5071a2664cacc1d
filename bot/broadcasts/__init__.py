"""Protocol updates and notices from the Clerk, delivered to every member on every platform they are linked to.

    compose.py   what a broadcast says (changed clauses quoted with citations) and its Acknowledge button
    sending.py   the ``Sender`` seam each platform implements, and its error tree
    pacing.py    token buckets: per platform, per chat, per group
    worker.py    the outbox worker: claim, pace, send, record; retries, reminders, failure reports
    ephemeral.py a secret (a web sign-in code) kept in the outbox only until delivered
    chat.py      /broadcast, /acks and the Acknowledge button
    settings.py  which platforms receive broadcasts, the reminder interval, the pace per platform
"""

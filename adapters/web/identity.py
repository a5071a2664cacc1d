"""The browser's account towards the dialogue: ``web`` / ``m<member id>``, one per member.

Whoever signs in proved control of one of the member's linked chats (the code goes to all of them) or was handed a
link printed on the server. So the web account may read what those accounts may read, and no more: at every
sign-in it is attached with ``Links.attach_vouched`` (``bot/store/links.py``), which bars it from any case one of
the member's other accounts is barred from.
"""

from __future__ import annotations

PLATFORM = "web"


def web_user(member_id: int) -> str:
    return f"m{member_id}"

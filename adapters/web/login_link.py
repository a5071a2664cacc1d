"""``protocol-bot login-link HANDLE [--council SLUG]``: a one-time sign-in link for a Clerk, printed on the server.

The first Clerk has no web session to be sent a code from, and may have no chat linked yet; whoever can run
commands on the server can already act as anyone, so printing a link there grants nothing new. Only someone who
may publish (the Clerk, and the Deputy Clerk where the profile says so) gets one; the link works once, for a day.
"""

from __future__ import annotations

from dataclasses import dataclass

from adapters.web.settings import from_env
from adapters.web.signin import SignIn
from bot.people import Member, can
from bot.store import Store
from config.councils import load_profile
from config.settings import home

PLATFORMS = ("terminal", "slack", "telegram")


@dataclass(frozen=True, slots=True)
class Issued:
    ok: bool
    text: str


async def find(store: Store, handle: str, council: str | None) -> list[Member]:
    found: dict[int, Member] = {}
    for platform in PLATFORMS:
        member = await store.members.by_identity(platform, handle)
        if member is not None:
            found[member.id] = member
    councils = [council] if council else sorted({m.council for m in found.values()} | set(_all_councils()))
    for slug in councils:
        for member in await store.members.of_council(slug):
            if member.name.casefold() == handle.casefold():
                found[member.id] = member
    return [m for m in found.values() if council is None or m.council == council]


def _all_councils() -> list[str]:
    from knowledge.documents import discover

    return sorted(discover(home()))


async def issue(handle: str, council: str | None, *, store: Store | None = None) -> Issued:
    """``store``: an open store to use (and leave open); by default the deployment's, opened and closed here."""
    if store is not None:
        return await _issue(store, handle, council)
    opened = await Store.open()
    try:
        return await _issue(opened, handle, council)
    finally:
        await opened.close()


async def _issue(store: Store, handle: str, council: str | None) -> Issued:
    settings = from_env()
    matches = await find(store, handle, council)
    if not matches:
        return Issued(False, f"Nobody called or handled {handle!r} is on a roster"
                             f"{' of ' + council if council else ''}. Check the council's profile (roster).")
    if len(matches) > 1:
        where = ", ".join(sorted(m.council for m in matches))
        return Issued(False, f"{handle!r} is on more than one roster ({where}): add --council.")
    member = matches[0]
    profile = load_profile(member.council, home())
    if not can(member, "publish", deputy_clerk_administers=profile.deputy_clerk_administers):
        return Issued(False, f"{member.name} is not the Clerk of {member.council}: everyone else signs in with a "
                             "code sent to their linked chat.")
    signin = SignIn(store, code_for=settings.code_for, link_for=settings.link_for)
    token = await signin.issue_link(member.id)
    await store.audit.record("web.link_issued", council=member.council, member_id=member.id, platform="web")
    hours = int(settings.link_for.total_seconds() // 3600)
    return Issued(True, f"{settings.base_url}/login/{token}\nSigns in {member.name} ({member.council}) once, "
                        f"within {hours} hours. Set PROTOCOL_BOT_WEB_URL if people reach the console elsewhere.")

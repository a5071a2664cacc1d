"""The Clerk as an attacker on confidential cases: roster edits, re-added people, re-linked accounts, two roles.

Real Dialogue through the in-memory adapter (the terminal platform), the store on SQLite and PostgreSQL, the
council's own routing rules; nothing of ours is mocked. Issue 14, findings 1 and 7.
"""

from __future__ import annotations

import re

import pytest

from adapters.memory import MemoryAdapter
from bot.qa import QaService
from bot.store import Store
from tests.test_flows import DETAILS, report_about_clerk, said, send_report

pytestmark = pytest.mark.usefixtures("case_key")


async def filed_about_the_clerk(terminal: MemoryAdapter) -> str:
    replies = await report_about_clerk(terminal, "okafor")
    _, reference, _ = await send_report(terminal, replies, "okafor")
    return reference


async def test_finding_1_a_removed_recipient_s_id_never_passes_to_someone_new(terminal: MemoryAdapter) -> None:
    reference = await filed_about_the_clerk(terminal)
    assert reference in said(await terminal.push("/cases", user="whitcombe"))
    # The Clerk takes the recipient off the roster (with the Chair's confirmation: bot.roster_confirm) and puts a
    # new person on.
    asked = said(await terminal.push("/role remove whitcombe committee chair", user="clerk"))
    change = re.search(r"Change (\d+):", asked)
    assert change is not None
    assert "Confirmed" in said(await terminal.push(f"/role confirm {change.group(1)}", user="chair"))
    assert "no longer on the roster" in said(await terminal.push("/role remove whitcombe councillor", user="clerk"))
    await terminal.push("/role add mole councillor", user="clerk")
    listing = said(await terminal.push("/cases", user="mole"))
    assert reference not in listing
    read = said(await terminal.push(f"/cases {reference}", user="mole"))
    assert DETAILS not in read and "No case with that reference" in read


async def test_the_clerk_reshuffling_roles_after_filing_never_reaches_the_case(terminal: MemoryAdapter,
                                                                              store: Store) -> None:
    reference = await filed_about_the_clerk(terminal)
    # She makes herself Staffing chair, gives others roles, drops her own role, re-adds people.
    await terminal.push("/role add clerk committee chair Staffing", user="clerk")
    await terminal.push("/role add okafor committee chair Staffing", user="clerk")
    await terminal.push("/role remove whitcombe councillor", user="clerk")
    await terminal.push("/role add whitcombe councillor", user="clerk")
    await terminal.push("/role remove clerk clerk", user="clerk")
    for user in ("clerk", "okafor"):
        assert reference not in said(await terminal.push("/cases", user=user))
        assert DETAILS not in said(await terminal.push(f"/cases {reference}", user=user))
    assert DETAILS in said(await terminal.push(f"/cases {reference}", user="whitcombe"))  # still its recipient


async def test_the_clerk_linking_her_account_to_the_recipient_still_cannot_read_it(terminal: MemoryAdapter) -> None:
    """Her account was hers when the case was filed: moved onto the recipient's roster entry (the Chair confirming),
    it is still refused."""
    reference = await filed_about_the_clerk(terminal)
    issued = said(await terminal.push("/linkcode Cllr Alan Whitcombe", user="clerk"))
    code = issued.split("Link code for Cllr Alan Whitcombe: ", 1)[1].split()[0]
    held = said(await terminal.push(f"/link {code}", user="clerk"))
    change = re.search(r"Change (\d+):", held)  # linking onto a recipient waits for the Chair (bot.linking)
    assert change is not None and "Not linked yet" in held
    assert "Confirmed" in said(await terminal.push(f"/role confirm {change.group(1)}", user="chair"))
    assert reference not in said(await terminal.push("/cases", user="clerk"))
    read = said(await terminal.push(f"/cases {reference}", user="clerk"))
    assert DETAILS not in read and "No case with that reference" in read
    assert DETAILS in said(await terminal.push(f"/cases {reference}", user="whitcombe"))


async def test_finding_7_the_clerk_who_is_also_the_rfo_never_gets_a_concern_about_the_rfo(
        terminal: MemoryAdapter, store: Store, qa: QaService) -> None:
    """Exclusion is by person: Margaret Ashdown is the Clerk and the RFO, so a case about the RFO routed to the
    Clerk goes to nobody but the other recipients, and she cannot list or read it."""
    from bot.cases.desk import CaseDesk, Submission, recipients_for

    members = await store.members.of_council("wendlebury")
    clerk = next(m for m in members if "clerk" in m.roles)
    staffing = next(m for m in members if m.committee == "Staffing")
    assert set(clerk.roles) == {"clerk", "rfo"}
    assert recipients_for(members, "clerk", None, "rfo") == ()
    from bot.cases.desk import NoRecipients
    from bot.cases.keyring import Keyring

    desk = CaseDesk(store, Keyring(qa.library.home))
    with pytest.raises(NoRecipients):
        await desk.submit(Submission("wendlebury", "concern", "rfo", "the Parish Clerk", (clerk,), None, False,
                                     {"details": DETAILS}))
    done = await desk.submit(Submission("wendlebury", "concern", "rfo", "the Parish Clerk", (clerk, staffing), None,
                                        False, {"details": DETAILS}))
    assert [m.id for m in done.recipients] == [staffing.id]
    reference = done.case.reference
    assert reference not in said(await terminal.push("/cases", user="clerk"))
    assert DETAILS not in said(await terminal.push(f"/cases {reference}", user="clerk"))
    assert DETAILS in said(await terminal.push(f"/cases {reference}", user="whitcombe"))

"""Tokens checked with Slack before anything else starts, so a wrong one is the operator's error message at start
and never a member's "installation no longer available" later.

- ``SLACK_BOT_TOKEN``: ``auth.test``.
- ``SLACK_APP_TOKEN`` (Socket Mode): ``apps.connections.open``, the call Socket Mode itself makes first. Left to
  slack_sdk, a refused app token is retried for ever behind a healthy-looking ``/healthz``.

Slack refusing a token (``invalid_auth``, ``not_authed``, ``token_revoked`` ...) raises ``TokenRefused`` with a
message naming the variable and where to find a good one; Slack not answering at all is left to the retries
and, if they run out, raised as it is (a network problem is not a wrong token).
"""

from __future__ import annotations

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

WHERE = "api.slack.com/apps -> your app"
REFUSALS = {"invalid_auth", "not_authed", "token_revoked", "token_expired", "account_inactive",
            "not_allowed_token_type", "invalid_token", "missing_scope", "org_login_required",
            "team_access_not_granted", "ekm_access_denied"}
BOT_HELP = (f"{WHERE} -> OAuth & Permissions -> Bot User OAuth Token (xoxb-...); reinstall the app to the workspace "
            "if it was removed")
APP_HELP = f"{WHERE} -> Basic Information -> App-Level Tokens (xapp-..., scope connections:write)"


class TokenRefused(Exception):
    """``str()`` is the message for the operator."""


async def check(client: AsyncWebClient, *, app_token: str | None = None) -> str:
    """The workspace the bot token belongs to (``team_id``); ``TokenRefused`` when Slack refuses a token."""
    try:
        identity = await client.auth_test()
    except SlackApiError as error:
        raise _refused("SLACK_BOT_TOKEN", error, BOT_HELP) from None
    if app_token:
        try:
            await client.apps_connections_open(app_token=app_token)
        except SlackApiError as error:
            raise _refused("SLACK_APP_TOKEN", error, APP_HELP) from None
    return str(identity.get("team_id") or "")


def _refused(variable: str, error: SlackApiError, where: str) -> Exception:
    code = str(error.response.get("error") or "") if hasattr(error.response, "get") else ""
    if code in REFUSALS or getattr(error.response, "status_code", 0) in (401, 403):
        return TokenRefused(f"Slack refused {variable} ({code or 'unauthorised'}). Set a valid token: {where}.")
    return error

"""The Web API client every call goes through: Slack's URL unless ``PROTOCOL_BOT_SLACK_API_URL`` points the
whole bot at another server (a test double, a proxy), and retries that keep a busy Slack from losing replies.

- 429: waited out for as long as ``Retry-After`` says (slack_sdk's ``AsyncRateLimitErrorRetryHandler``).
- 500 / 503 and dropped connections: retried with exponential backoff.
"""

from __future__ import annotations

import os

from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.http_retry.builtin_interval_calculators import BackoffRetryIntervalCalculator
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

API_URL_ENV = "PROTOCOL_BOT_SLACK_API_URL"
DEFAULT_API_URL = AsyncWebClient.BASE_URL
RATE_LIMIT_RETRIES = 3
SERVER_ERROR_RETRIES = 3


def api_url() -> str:
    url = os.environ.get(API_URL_ENV) or DEFAULT_API_URL
    return url if url.endswith("/") else url + "/"


def retry_handlers() -> list[AsyncRetryHandler]:
    backoff = BackoffRetryIntervalCalculator(backoff_factor=0.5)
    return [AsyncConnectionErrorRetryHandler(max_retry_count=2, interval_calculator=backoff),
            AsyncRateLimitErrorRetryHandler(max_retry_count=RATE_LIMIT_RETRIES),
            AsyncServerErrorRetryHandler(max_retry_count=SERVER_ERROR_RETRIES, interval_calculator=backoff)]


def web_client(token: str, *, base_url: str | None = None) -> AsyncWebClient:
    return AsyncWebClient(token=token, base_url=base_url or api_url(), retry_handlers=retry_handlers())


def webhook_client(url: str) -> AsyncWebhookClient:
    """For a slash command's or a button's ``response_url``: the same retries as the Web API."""
    return AsyncWebhookClient(url, retry_handlers=retry_handlers())

"""Before `run` starts the bot: is the Bot API reachable, and does it take the token?

python-telegram-bot reports a rejected token with the token in the message and a
traceback of a hundred lines or more; an unreachable API likewise. Asking getMe once
first turns both into one line that says what to fix, and never shows the token.
"""

from __future__ import annotations

import asyncio

from telegram import Bot
from telegram.error import InvalidToken, NetworkError
from telegram.request import HTTPXRequest

from bot.errors import BotError, ConfigError
from bot.logging import Redactor

TIMEOUT_S = 15.0


def check_bot_api(token: str, api_url: str, *, timeout: float = TIMEOUT_S) -> None:
    """Raise ConfigError for a rejected token, BotError for an API that cannot be reached."""
    try:
        asyncio.run(_get_me(token, api_url, timeout))
    except InvalidToken:
        raise rejected(api_url) from None
    except NetworkError as exc:  # also TimedOut
        raise unreachable(api_url, token, exc) from None


def rejected(api_url: str) -> ConfigError:
    """The one-line error for a token the Bot API refuses."""
    return ConfigError(
        f"the Bot API at {api_url} rejected TELEGRAM_BOT_TOKEN: copy the token again "
        "from @BotFather (and check TELEGRAM_API_URL)"
    )


def unreachable(api_url: str, token: str, exc: Exception) -> BotError:
    """The one-line error for a Bot API that does not answer."""
    reason = Redactor([token])(str(exc))
    return BotError(
        f"cannot reach the Telegram Bot API at {api_url}: {reason} "
        "(check the network and TELEGRAM_API_URL)"
    )


async def _get_me(token: str, api_url: str, timeout: float) -> None:
    request = HTTPXRequest(connect_timeout=timeout, read_timeout=timeout)
    async with Bot(token, base_url=api_url, request=request, get_updates_request=request):
        pass  # initialize() asks getMe

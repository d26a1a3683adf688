"""The one table of chat commands: it feeds /help, setMyCommands and the permission checks."""

from __future__ import annotations

from dataclasses import dataclass

from telegram import BotCommand


@dataclass(frozen=True)
class Command:
    """One chat command as users see it."""

    name: str
    args: str  # usage of the arguments, "" when there are none
    description: str
    admin_only: bool = False  # in groups only chat admins may run it (it changes the chat)
    group_ok: bool = True  # allowed outside private chats
    bot_admin: bool = False  # only the bot's admins (SANCTIONS_BOT_ADMINS); not in the menu

    @property
    def usage(self) -> str:
        """The command with its arguments, e.g. '/watch <query>'."""
        return f"/{self.name} {self.args}".rstrip()


COMMANDS: tuple[Command, ...] = (
    Command("start", "", "Start the bot and see what it does"),
    Command("help", "", "List the commands"),
    Command("subscribe", "[pack…]", "Get alerts from rule packs (no argument: all)", True),
    Command("unsubscribe", "[pack…]", "Stop alerts from rule packs (no argument: all)", True),
    Command("packs", "", "List the rule packs"),
    Command("watch", "<query>", "Add your own rule, e.g. /watch @country:BY AND sanction*", True),
    Command("unwatch", "<id>", "Remove one of your rules", True),
    Command("rules", "", "Show this chat's packs and rules"),
    Command("test", "<query>", "Try a query on the last 7 days without saving it"),
    Command("recent", "[n]", "The latest alerts of this chat (default 5, max 20)"),
    Command("search", "<words>", "Search stored articles"),
    Command("alert", "<id>", "Everything about one alert"),
    Command("digest", "off|hourly|daily", "Bundle alerts into a digest", True),
    Command("quiet", "<HH-HH>|off", "Hold alerts during quiet hours", True),
    Command("timezone", "<Area/City>", "Time zone for quiet hours and digests", True),
    Command("sources", "", "Health of the sources (admins: add/remove)"),
    Command("failed", "[retry <id>]", "Dead-lettered alerts and why (bot admins)", bot_admin=True),
)

BY_NAME: dict[str, Command] = {c.name: c for c in COMMANDS}

SOURCES_ADMIN_USAGE = (
    "/sources add <id> <url> [rss|atom|json]",
    "/sources remove <id>",
    "/sources poll",
)


def command(name: str) -> Command:
    """The table entry for a command name."""
    return BY_NAME[name]


def bot_commands() -> list[BotCommand]:
    """The menu published with setMyCommands."""
    return [BotCommand(c.name, c.description) for c in COMMANDS if not c.bot_admin]

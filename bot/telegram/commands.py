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
    Command("unwatch", "<number…>", "Remove your rules by number, e.g. /unwatch 3 5", True),
    Command("rules", "", "This chat's packs, rules and mutes"),
    Command("test", "<query>", "Try a query on the last 7 days without saving it"),
    Command("recent", "[n]", "The latest alerts of this chat (default 5, max 20)"),
    Command("search", "<words>", "Search stored articles"),
    Command("alert", "<number>", "Everything about one alert"),
    Command("settings", "", "Everything this chat has set, with buttons"),
    Command("digest", "[off|hourly|daily [HH]]", "Bundle alerts into a digest", True),
    Command("quiet", "[HH-HH|off]", "Quiet hours: only urgent alerts, silently", True),
    Command("timezone", "[Area/City]", "Time zone for times, quiet hours, digests", True),
    Command("unmute", "[all]", "End this chat's mutes", True),
    Command("stop", "", "Stop every pack here (your own rules stay)", True),
    Command("sources", "", "Health of the sources"),
    Command("failed", "[retry <id>]", "Dead-lettered alerts and why (bot admins)", bot_admin=True),
)

# Commands with a number people tap in a message ("/alert_9"): name -> the command it runs.
TAPPABLE = ("alert", "unwatch")

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

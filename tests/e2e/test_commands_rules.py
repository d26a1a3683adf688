"""/start /help /subscribe /unsubscribe /packs /watch /unwatch /rules /test, end to end."""

from __future__ import annotations

from bot.telegram.commands import COMMANDS
from bot.telegram.rule_commands import MAX_WATCHES_PER_CHAT
from tests.e2e.harness import BELARUS_TITLE, Harness, belarus_text, eu_sanctions_article

USER = 101


async def test_start_and_help_list_every_command(bot: Harness) -> None:
    start = await bot.ask("/start", USER)
    assert "ep-resolutions" in start.plain and "/subscribe" in start.plain
    help_ = await bot.ask("/help", USER)
    public = [c for c in COMMANDS if not c.bot_admin]
    for cmd in public:
        assert f"/{cmd.name}" in help_.plain
    assert "/sources add" not in help_.plain  # admin usage only for the bot's admins
    assert "/failed" not in help_.plain
    # The menu was published from the same table at start-up (bot-admin commands left out).
    assert [c["command"] for c in bot.server.commands] == [c.name for c in public]
    assert bot.runtime.store.get_chat(USER) is not None


async def test_unknown_command_points_to_help(bot: Harness) -> None:
    reply = await bot.ask("/frobnicate <b>now</b>", USER)
    assert reply.plain == "I don't know /frobnicate. /help lists what I can do."


async def test_subscribe_all_then_some_and_unknown_changes_nothing(bot: Harness) -> None:
    store = bot.runtime.store
    reply = await bot.ask("/subscribe", USER)
    all_ids = sorted(p.id for p in bot.runtime.packs)
    assert store.subscriptions(USER) == all_ids
    assert "Subscribed to" in reply.plain
    reply = await bot.ask("/unsubscribe eu-sanctions us-sanctions", USER)
    assert "eu-sanctions" in reply.plain
    assert "eu-sanctions" not in store.subscriptions(USER)
    reply = await bot.ask("/unsubscribe eu-sanctions nonsense-pack", USER)
    assert "Unknown pack" in reply.plain and "nonsense-pack" in reply.plain
    reply = await bot.ask("/subscribe eu-sanctions nonsense-pack", USER)
    assert "Unknown pack" in reply.plain and "Nothing changed" in reply.plain
    assert "eu-sanctions" not in store.subscriptions(USER)
    reply = await bot.ask("/subscribe eu-sanctions ep-resolutions", USER)
    assert "Already subscribed: ep-resolutions" in reply.plain
    await bot.ask("/unsubscribe", USER)
    assert store.subscriptions(USER) == []


async def test_packs_lists_ids_descriptions_and_marks(bot: Harness) -> None:
    await bot.ask("/subscribe un-sanctions", USER)
    reply = await bot.ask("/packs", USER)
    for pack in bot.runtime.packs:
        assert pack.id in reply.plain
    assert "✓ un-sanctions" in reply.plain
    assert "✓ eu-sanctions" not in reply.plain
    for text in ("/packs all", "/rules please", "/help me"):
        reply = await bot.ask(text, USER)
        assert "takes no arguments" in reply.plain and "Usage: /" in reply.plain, text


async def test_watch_echoes_counts_and_compiles_into_the_engine(bot: Harness) -> None:
    bot.ingest(BELARUS_TITLE, belarus_text())
    bot.ingest(*eu_sanctions_article("Iran"))
    reply = await bot.ask('/watch @country:BY /s "satellite state"', USER)
    assert 'Understood as: (@country:BY /s "satellite state")' in reply.plain
    assert "would have matched 1 article of the last 7 days" in reply.plain
    [watch] = bot.runtime.store.watches(USER)
    assert watch.query == '@country:BY /s "satellite state"'
    assert watch.rule_key in bot.runtime.registry.engine().rules


async def test_watch_syntax_error_shows_position_and_saves_nothing(bot: Harness) -> None:
    reply = await bot.ask("/watch sanctions AND (Belarus OR", USER)
    assert "could not read that query" in reply.plain
    assert "Expected:" in reply.plain
    assert "^" in reply.plain
    lines = reply.plain.splitlines()
    query_line, caret_line = lines[-2], lines[-1]
    assert query_line == "sanctions AND (Belarus OR"
    assert caret_line.index("^") >= len("sanctions AND (Belarus")
    assert bot.runtime.store.watches(USER) == []
    reply = await bot.ask("/watch NOT sanctions", USER)
    assert "could not read" in reply.plain
    assert bot.runtime.store.watches(USER) == []


async def test_watch_usage_length_and_limit(bot: Harness) -> None:
    reply = await bot.ask("/watch", USER)
    assert "Usage: /watch <query>" in reply.plain
    reply = await bot.ask("/watch " + "sanctions " * 60, USER)
    assert "limit is 500" in reply.plain
    assert bot.runtime.store.watches(USER) == []
    for i in range(MAX_WATCHES_PER_CHAT):
        bot.runtime.store.add_watch(USER, f"term{i}")
    reply = await bot.ask("/watch sanctions", USER)
    assert "maximum" in reply.plain
    assert bot.runtime.store.count_watches(USER) == MAX_WATCHES_PER_CHAT


async def test_unwatch_and_rules(bot: Harness) -> None:
    await bot.ask("/subscribe ep-resolutions", USER)
    await bot.ask("/watch sanction* AND Belarus", USER)
    [watch] = bot.runtime.store.watches(USER)
    rules = await bot.ask("/rules", USER)
    assert "ep-resolutions" in rules.plain
    assert "#1 sanction* AND Belarus" in rules.plain and "/unwatch_1" in rules.plain
    reply = await bot.ask("/unwatch banana", USER)
    assert "Usage: /unwatch <number…>" in reply.plain
    reply = await bot.ask("/unwatch 50", USER)
    assert "no rule #50" in reply.plain
    # Another chat's rule: numbers are per chat, so this chat's /unwatch never reaches it.
    bot.runtime.store.upsert_chat(555)
    other = bot.runtime.store.add_watch(555, "something")
    assert other.number == 1 and other.id != watch.id
    reply = await bot.ask("/unwatch 2", USER)
    assert "no rule #2" in reply.plain
    assert bot.runtime.store.watches(555) == [other]
    reply = await bot.ask("/unwatch 1", USER)
    assert "Removed rule #1" in reply.plain
    assert bot.runtime.store.watches(USER) == []
    assert bot.runtime.store.watches(555) == [other]
    assert watch.rule_key not in bot.runtime.registry.engine().rules


async def test_test_is_a_dry_run_with_titles(bot: Harness) -> None:
    for country in ("Iran", "Syria", "Mali"):
        bot.ingest(*eu_sanctions_article(country))
    reply = await bot.ask('/test "restrictive measures" AND (Iran OR Syria)', USER)
    assert "Matches 2 stored articles" in reply.plain
    assert "Iran: Council adopts" in reply.plain and "Syria: Council adopts" in reply.plain
    assert "Mali" not in reply.plain
    assert bot.runtime.store.watches(USER) == []
    reply = await bot.ask("/test", USER)
    assert "Usage: /test <query>" in reply.plain
    reply = await bot.ask("/test a NEAR/x b", USER)
    assert "could not read" in reply.plain

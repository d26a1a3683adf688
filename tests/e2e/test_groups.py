"""Groups, channels and forum topics: admin checks, membership changes, topic subscriptions."""

from __future__ import annotations

from tests.e2e.harness import Harness

GROUP = -1001
FORUM = -1002
ADMIN_USER = 11
MEMBER_USER = 12


def _active(bot: Harness, chat_id: int) -> bool:
    chat = bot.runtime.store.get_chat(chat_id)
    assert chat is not None
    return chat.active


async def test_non_admin_is_refused_and_admin_succeeds(bot: Harness) -> None:
    bot.server.set_member(GROUP, ADMIN_USER, "administrator")
    store = bot.runtime.store
    for text in ("/subscribe", "/watch sanctions", "/digest daily", "/quiet 1-2"):
        reply = await bot.ask(text, GROUP, MEMBER_USER, "supergroup", title="Analysts")
        assert "Only admins of this group" in reply.plain, text
    chat = store.get_chat(GROUP)
    assert chat is not None and chat.digest == "off" and chat.quiet_start is None
    assert store.subscriptions(GROUP) == [] and store.watches(GROUP) == []
    # Anyone may read.
    for text in ("/recent", "/packs", "/help", "/search sanctions", "/rules"):
        reply = await bot.ask(text, GROUP, MEMBER_USER, "supergroup")
        assert "Only admins" not in reply.plain, text
    reply = await bot.ask(
        "/subscribe@sanctions_test_bot eu-sanctions", GROUP, ADMIN_USER, "supergroup"
    )
    assert "Subscribed to: eu-sanctions" in reply.plain
    assert store.subscriptions(GROUP) == ["eu-sanctions"]
    # The group's creator counts too; getChatMember is asked each time.
    bot.server.set_member(GROUP, 13, "creator")
    reply = await bot.ask("/digest hourly", GROUP, 13, "supergroup")
    assert "hourly digest" in reply.plain
    assert bot.server.stats()["requests"]["getChatMember"] >= 6


async def test_anonymous_admin_and_channel_posts_count_as_admin(bot: Harness) -> None:
    reply = await bot.ask("/subscribe un-sanctions", GROUP, 0, "supergroup", anonymous_admin=True)
    assert "Subscribed to: un-sanctions" in reply.plain
    assert bot.runtime.store.subscriptions(GROUP) == ["un-sanctions"]
    channel = -1009
    reply = await bot.ask("/subscribe us-sanctions", channel, 0, "channel", title="Wire")
    assert "Subscribed to: us-sanctions" in reply.plain
    chat = bot.runtime.store.get_chat(channel)
    assert chat is not None and chat.type == "channel"


async def test_added_greets_and_removed_or_blocked_deactivates(bot: Harness) -> None:
    bot.server.bot_added(GROUP, ADMIN_USER, "supergroup", title="Analysts")
    greeting = await bot.server.wait_for_message(GROUP, lambda m: "Thanks for adding me" in m.plain)
    assert greeting.thread_id is None
    chat = bot.runtime.store.get_chat(GROUP)
    assert chat is not None and chat.active and chat.title == "Analysts"
    bot.runtime.store.add_watch(GROUP, "sanctions")
    assert len(bot.runtime.registry.engine().rules) == len(bot.runtime.packs) + 1
    bot.server.bot_removed(GROUP, ADMIN_USER, "supergroup")
    await bot.server.wait_until(lambda: not _active(bot, GROUP))
    # The removed group's rule leaves the engine.
    assert len(bot.runtime.registry.engine().rules) == len(bot.runtime.packs)
    await bot.ask("/start", 77)
    bot.server.bot_blocked(77)
    await bot.server.wait_until(lambda: not _active(bot, 77))


async def test_forum_topic_subscribes_the_topic_and_replies_there(bot: Harness) -> None:
    bot.server.set_member(FORUM, ADMIN_USER, "administrator")
    reply = await bot.ask(
        "/subscribe eu-sanctions", FORUM, ADMIN_USER, "supergroup", thread_id=77, is_forum=True
    )
    assert reply.thread_id == 77
    assert "Subscribed (topic 77) to: eu-sanctions" in reply.plain
    store = bot.runtime.store
    assert store.subscriptions(FORUM, thread_id=77) == ["eu-sanctions"]
    assert store.subscriptions(FORUM) == []
    general = await bot.ask("/rules", FORUM, ADMIN_USER, "supergroup")
    assert general.thread_id is None and "none — /subscribe" in general.plain
    topic = await bot.ask("/rules", FORUM, ADMIN_USER, "supergroup", thread_id=77)
    assert topic.thread_id == 77 and "eu-sanctions" in topic.plain
    await bot.ask("/watch sanctions AND Iran", FORUM, ADMIN_USER, "supergroup", thread_id=78)
    [watch] = store.watches(FORUM)
    assert watch.thread_id == 78

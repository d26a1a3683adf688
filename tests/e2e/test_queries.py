"""Queries people actually type: lower-case operators, operator typos, words with '/',
rules that could not match, duplicate watches, /unwatch of several rules, unknown codes."""

from __future__ import annotations

from tests.e2e.harness import BELARUS_TITLE, Harness, belarus_text, eu_sanctions_article

USER = 1501


async def test_lowercase_or_is_read_as_the_operator_and_the_echo_says_so(bot: Harness) -> None:
    bot.ingest(BELARUS_TITLE, belarus_text())
    bot.ingest(*eu_sanctions_article("Iran"))
    reply = await bot.ask("/test Belarus or Iran", USER)
    assert "Understood as: (Belarus OR Iran)" in reply.plain
    assert "I read “or” as OR; to look for the word itself, put it in quotes." in reply.plain
    assert "Matches 2 stored articles" in reply.plain
    reply = await bot.ask('/test Belarus "or" Iran', USER)
    assert 'Understood as: (Belarus AND "or" AND Iran)' in reply.plain
    assert "I read" not in reply.plain


async def test_operator_typos_are_refused_with_the_corrected_command(bot: Harness) -> None:
    for typed, fixed in (
        ("/watch Belarus NAER/5 sanctions", "/watch Belarus NEAR/5 sanctions"),
        ("/watch Belarus NEAR5 sanctions", "/watch Belarus NEAR/5 sanctions"),
        ("/test Belarus ADN sanctions", "/test Belarus AND sanctions"),
    ):
        reply = await bot.ask(typed, USER)
        assert "is not an operator. Did you mean" in reply.plain, typed
        assert fixed in reply.plain.splitlines()[1], typed
        assert "<code>" + fixed.split(" ", 1)[0] in reply.text  # a tap copies it
    reply = await bot.ask("/watch Belarus/Russia sanctions", USER)
    assert "'Belarus/Russia' is not an operator" in reply.plain
    assert 'quote it: "Belarus/Russia"' in reply.plain
    assert bot.runtime.store.watches(USER) == []


async def test_a_rule_that_could_not_have_matched_says_why(bot: Harness) -> None:
    bot.ingest(*eu_sanctions_article("Iran"))
    reply = await bot.ask('/watch Iran AND "asset frezee"', USER)
    assert "Rule #1 saved" in reply.plain
    assert "⚠️ It would have matched nothing of the last 7 days." in reply.plain
    assert 'No article of the last 7 days has “"asset frezee"”' in reply.plain
    bot.ingest(*eu_sanctions_article("Syria"))
    reply = await bot.ask("/test Iran AND Syria", USER)  # each word occurs, just not together
    assert "Matches no stored article" in reply.plain
    assert "Each of its words occurs, but no article has them all together." in reply.plain
    bot.ingest("Envoy on tour", "The envoy of Iran met ministers. Talks in Damascus followed.")
    reply = await bot.ask("/test Iran /s Damascus", USER)  # in one article, not one sentence
    assert "1 article had its words, but not as the query asks." in reply.plain, reply.plain


async def test_duplicate_watches_are_refused_and_numbers_are_per_chat(bot: Harness) -> None:
    bot.runtime.store.upsert_chat(9999)
    for n in range(3):  # another chat's rules do not use up this chat's numbers
        bot.runtime.store.add_watch(9999, f"other{n}")
    first = await bot.ask("/watch @country:BY AND sanction*", USER)
    assert "👀 Rule #1 saved." in first.plain and "/unwatch_1" in first.plain
    again = await bot.ask("/watch sanction*  AND  @country:by", USER)  # same rule, other order
    assert "already has that rule: #1" in again.plain and "Nothing was saved" in again.plain
    assert len(bot.runtime.store.watches(USER)) == 1


async def test_unwatch_takes_several_numbers_and_all(bot: Harness) -> None:
    for word in ("alpha", "bravo", "charlie", "delta", "echo"):
        await bot.ask(f"/watch {word} AND sanctions", USER)
    reply = await bot.ask("/unwatch 3 5", USER)
    assert "Removed rules #3 and #5." in reply.plain and "3 rules left" in reply.plain
    assert [w.number for w in bot.runtime.store.watches(USER)] == [1, 2, 4]
    reply = await bot.ask("/unwatch 4 9", USER)
    assert "Removed rule #4." in reply.plain and "no rule #9" in reply.plain
    reply = await bot.ask("/unwatch all", USER)
    assert "Removed rules #1 and #2." in reply.plain
    await bot.ask("/watch foxtrot AND sanctions", USER)
    assert [w.number for w in bot.runtime.store.watches(USER)] == [6]  # never reused


async def test_unknown_codes_list_the_known_ones(bot: Harness) -> None:
    reply = await bot.ask("/watch @body:XYZ AND sanctions", USER)
    assert "unknown body 'XYZ'" in reply.plain
    known = next(line for line in reply.plain.splitlines() if line.startswith("Known: "))
    assert "EP" in known and "OFAC" in known and "UNSC" in known
    reply = await bot.ask("/watch @country:BU AND sanctions", USER)
    assert "unknown country 'BU'" in reply.plain and "Known: " in reply.plain
    assert bot.runtime.store.watches(USER) == []

"""Who takes an act and whom it is aimed at, from the shape of one sentence.

A sentence is read as normalised tokens with the names of states and bodies found in it
(`Mention`) and the positions of its act verbs. The actor is, in order: the agent of a
passive ('sanctioned by the UK'), the subject before the verb ('Russia banned ...',
'the Chinese commerce ministry put ...', 'the EU, the US and Canada imposed ...'), the
speaker of an attribution ('..., Australia's foreign minister said'), or the first name
after the verb when the language puts the subject there ('فرضت بريطانيا', 'hat die EU').
Targets are the other names the act reaches ('on Russia', 'British citizens',
'Iranian officials'); names of reasons ('in response to London's ...', 'aimed at
Washington'), places ('in Brussels', 'returning from Germany'), datelines ('PARIS —')
and parentheses ('Strasbourg (France)') are neither.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

from bot.matching.lexicon import PhraseTable, Roles

PRIVATE = "private"  # a bank, a company, a court: someone who is not a state


@dataclass(frozen=True)
class Mention:
    """A name of a state or body: tokens [start, end), the code it stands for."""

    start: int
    end: int
    code: str
    hidden: bool = False  # in a dateline or parentheses: not part of the sentence's content


@dataclass(frozen=True)
class Cast:
    """The roles found in one sentence."""

    actors: tuple[str, ...]
    targets: tuple[str, ...]
    private: bool = False  # the act's subject is a bank, a company, a court: not a state


def cast(
    tokens: Sequence[str], lo: int, hi: int, mentions: Sequence[Mention], verbs: Sequence[int],
    words: Roles, breaks: frozenset[int] = frozenset(), stops: frozenset[int] = frozenset(),
) -> Cast:  # fmt: skip
    """Actors and targets of the act whose (first) verb is at verbs[0].

    `breaks` are the tokens that open a clause (after a comma, a dash, a bracket);
    `stops` those after a colon, dash or bracket, which no list of names runs across."""
    shown = [m for m in mentions if not m.hidden]
    context = _Context(tokens, lo, hi, words, breaks, stops)
    context.note_mentions(shown)
    # 'The President signed a decree by which Ukraine imposed ...': the first verb whose
    # subject is a state or body is the act's.
    actors: list[Mention] = []
    for n, verb in enumerate(verbs or [None]):
        if n and verb is not None and tokens[verb] in words.noun_like:
            continue  # 'to Russia's sanctions list': a later 'list' is the noun
        if n and verb is not None and verb - 1 > lo and tokens[verb - 1] in words.coordinators:
            continue  # '... bans imports of Russian gas and adds': the subject of 'bans'
        actors = _actors(context, shown, verb)
        if actors:
            break
    codes = {a.code for a in actors}
    targets = [m for m in shown if m.code not in codes and context.target(m)]
    return Cast(_codes(actors), _codes(targets), any(a.code == PRIVATE for a in actors))


def _codes(mentions: Sequence[Mention]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(m.code for m in mentions if m.code != PRIVATE))


class _Context:
    """Questions about the words around a mention."""

    def __init__(
        self,
        tokens: Sequence[str],
        lo: int,
        hi: int,
        words: Roles,
        breaks: frozenset[int],
        stops: frozenset[int],
    ) -> None:
        self.tokens, self.lo, self.hi, self.words, self.stops = tokens, lo, hi, words, stops
        self.provokers: set[int] = set()
        self.heads: dict[int, Mention] = {}  # start of a name -> the first name of its list
        # The name a reason clause points at ('in response to London's ...', 'aimed at
        # Washington'): the first one within six words of the phrase.
        self.reasons: list[tuple[int, int]] = [
            (end, min(end + 6, hi)) for _, end, _ in words.reason_before.find(tokens, lo, hi)
        ]
        # Clauses that report a vote ('France and Denmark abstained'): voters, not targets.
        edges = [lo, *sorted(b for b in breaks if lo < b < hi), hi]
        self.voting = [
            (a, b) for a, b in pairwise(edges)
            if words.votes.within(tokens, a, b)
        ]  # fmt: skip

    def after(self, m: Mention) -> int:
        """The token after a name, skipping a possessive 's ('Russia's')."""
        end = m.end
        if end < self.hi and self.tokens[end] == "s":
            end += 1
        return end

    def followed_by(self, m: Mention, table: PhraseTable[bool]) -> bool:
        end = self.after(m)
        return end < self.hi and table.match_at(self.tokens, end, self.hi) is not None

    def preceded_by(self, m: Mention, table: PhraseTable[bool], reach: int = 4) -> bool:
        head = self.heads.get(m.start, m)
        return table.ends_at(self.tokens, self._start(head), self.lo, reach)

    def _start(self, m: Mention) -> int:
        """Where the phrase before a name ends: 'on the UK' looks past 'the'."""
        start = m.start
        while start - 1 >= self.lo and self.tokens[start - 1] in self.words.articles:
            start -= 1
        return start

    def object_marked(self, m: Mention) -> bool:
        """Inside the phrase that Persian 'را' closes: '... سه نهاد اتحادیه اروپا و هشت فرد
        انگلیسی را'. A preposition or a time word ends the phrase before it; a number right
        after the name starts the object after it ('وزارت خارجه ایران ۲۲ فرد را')."""
        tokens, words = self.tokens, self.words
        if m.end < self.hi and _number(tokens[m.end]):
            return False
        for k in range(m.end, min(self.hi, m.end + 10)):
            if tokens[k] in words.object_markers:
                return True
            if tokens[k] in words.object_phrase_breaks:
                return False
        return False

    def marked_object_between(self, start: int, stop: int) -> bool:
        """Whether a Persian 'را' closes an object between a name and its verb (SOV: the
        subject may then stand far before the verb)."""
        return any(t in self.words.object_markers for t in self.tokens[start:stop])

    def reason(self, m: Mention) -> bool:
        """The name a reason points at: 'in retaliation for London's sanctions'."""
        return m.start in self.provokers

    def note_mentions(self, mentions: Sequence[Mention]) -> None:
        """Find, for each reason clause, the first name inside its reach; and the first name
        of each list of names ('in Russia, China and the UAE'), whose context they share."""
        self.heads = {}
        for before, m in pairwise(mentions):
            gap = self.tokens[before.end : m.start]
            stopped = any(before.end <= s <= m.start for s in self.stops)
            if before.end <= m.start and not stopped and all(t in self.words.joiners for t in gap):
                self.heads[m.start] = self.heads.get(before.start, before)
        self.provokers = {
            next((m.start for m in mentions if a <= m.start < b), -1) for a, b in self.reasons
        }

    def located(self, m: Mention) -> bool:
        """'in Brussels', 'returning from Germany' (but 'companies in China' is a target)."""
        if not self.preceded_by(m, self.words.location_before, 3):
            return False
        before = self._start(m) - 2
        return not (
            before >= self.lo
            and self.words.target_nouns.match_at(self.tokens, before, before + 1) is not None
        )

    def voter(self, m: Mention) -> bool:
        return any(a <= m.start < b for a, b in self.voting)

    def target(self, m: Mention) -> bool:
        if self.reason(m) or self.voter(m) or self.owner(m):
            return False
        if self.agented(m):
            return False
        if self.followed_by(m, self.words.target_nouns) or self.object_marked(m):
            return True
        if self.preceded_by(m, self.words.target_before, 3):
            return True
        return not self.located(m)

    def could_act(self, m: Mention) -> bool:
        """A name in subject position: not aimed at, not a reason, not a place."""
        if self.followed_by(m, self.words.target_nouns) and not self.followed_by(
            m, self.words.government_nouns
        ):
            return False
        if self.object_marked(m) or self.preceded_by(m, self.words.location_before, 3):
            return False  # 'entities in Russia' are hit, 'in Brussels' is a place
        return not (
            self.preceded_by(m, self.words.target_before, 3)
            or self.reason(m)
            or self.located(m)
            or self.agented(m)
        )

    def private_subject(self, verb: int) -> bool:
        """'A high street bank froze ...': a non-state noun right before the verb."""
        return any(
            self.words.private_nouns.match_at(self.tokens, i, verb) is not None
            for i in range(max(self.lo, verb - 3), verb)
        )

    def subject_follows(self, verb: int) -> bool:
        """Whether the language may put the subject after this verb: a verb opening the
        sentence ('فرضت بريطانيا', 'Verhängt hat ...'), Arabic script, a German auxiliary."""
        token = self.tokens[verb]
        after = self.tokens[verb + 1] if verb + 1 < self.hi else ""
        return (
            verb - self.lo <= 1
            or token in self.words.auxiliaries_first
            or after in ("die", "der", "das")  # 'am Montag verhängte die EU ...'
            or any("\u0600" <= c <= "\u06ff" for c in token)
        )

    def noun_subject(self, verb: int) -> bool:
        """A measure noun right before the verb is its subject ('sanctions target ...')."""
        before = verb - 1
        return (
            before >= self.lo
            and self.words.measure_nouns.match_at(self.tokens, before, verb) is not None
        )

    def agented(self, m: Mention) -> bool:
        """'sanctioned by the UK', 'impuestas por Occidente' (but 'Comércio da China' is 'of')."""
        if self.preceded_by(m, self.words.agent_before, 2):
            return True
        start = self._start(m)
        if start - 2 < self.lo or self.tokens[start - 1] not in self.words.agent_after_participle:
            return False
        return self.tokens[start - 2].endswith(self.words.participle_endings)

    def agent(self, verb: int, mentions: Sequence[Mention]) -> Mention | None:
        for m in mentions:
            if verb < m.start <= verb + 8 and self.agented(m):
                return m
        return None

    def attributed(self, mentions: Sequence[Mention]) -> Mention | None:
        """'..., Australia's foreign minister said' / 'according to the Russian ministry':
        the name closest before a verb of saying (only its titles between), or right after
        'according to' / 'said the'."""
        for start, end, _ in self.words.attribution.find(self.tokens, self.lo, self.hi):
            before = [m for m in mentions if m.end <= start and start - m.end <= 5]
            if before and self._only_titles(before[-1], start):
                return before[-1]
            after = [m for m in mentions if end <= m.start <= end + 3]
            if after:
                return after[0]
        return None

    def _only_titles(self, m: Mention, stop: int) -> bool:
        """Between a name and a verb of saying: its 's, titles and personal names only."""
        gap = range(self.after(m), stop)
        return not any(
            self.words.measure_nouns.match_at(self.tokens, i, i + 1) is not None for i in gap
        )

    def owner(self, m: Mention) -> bool:
        """'Britain's sanctions list', 'US sanctions': whose measure, not whom it hits.

        'Iran sanctions', 'Russia sanctions' name the states they hit."""
        end = self.after(m)
        return (
            end < self.hi
            and self.words.measure_nouns.match_at(self.tokens, end, end + 1) is not None
            and m.code not in self.words.sanctioned_states
        )


def _actors(context: _Context, mentions: Sequence[Mention], verb: int | None) -> list[Mention]:
    if verb is None:
        found = context.attributed(mentions)
        return [found] if found else []
    agent = context.agent(verb, mentions)
    if agent is not None:
        return [agent]
    # German puts the participle last ('Großbritannien hat Sanktionen ... verhängt'): the
    # subject sits around the auxiliary, so the auxiliary stands in for the verb.
    first_aux = context.words.auxiliaries_first
    verb = next((i for i in range(context.lo, verb) if context.tokens[i] in first_aux), verb)
    before = [m for m in mentions if m.end <= verb]
    for m in reversed(before):
        reach = 24 if context.marked_object_between(m.end, verb) else 12
        if verb - m.end > reach or any(m.end <= stop <= verb for stop in context.stops):
            break  # too far, or in another clause ('... the final; the team was sanctioned')
        if context.could_act(m):
            return _with_joined(context, before, m)
    found = context.attributed(mentions)
    if found is not None:
        return [found]  # '..., OFAC announced' also when a bank agreed to pay
    if context.private_subject(verb):
        return [Mention(verb, verb, PRIVATE)]
    owner = next((m for m in reversed(before) if context.owner(m)), None)
    if owner is not None:
        return [owner]  # "United Nations sanctions on Iran came back into force"
    if context.noun_subject(verb) or not context.subject_follows(verb):
        return []  # 'Sanctions hit Belarus', 'the parliament labelled Belarus ...'
    for m in mentions:
        if verb < m.start <= verb + 3 and context.could_act(m):
            return [m]  # 'فرضت بريطانيا عقوبات', 'am Montag verhängte die EU ...'
    return []


def _number(token: str) -> bool:
    """'22', '۲۲' (Persian digits are digits to str.isdigit)."""
    return token.isdigit()


def _with_joined(context: _Context, before: Sequence[Mention], subject: Mention) -> list[Mention]:
    """'The EU, the US and Canada imposed': every name joined to the subject."""
    out = [subject]
    edge = subject.start
    for m in reversed([b for b in before if b.end <= subject.start]):
        gap = context.tokens[m.end : edge]
        stopped = any(m.end <= s <= edge for s in context.stops)
        if context.could_act(m) and not stopped and all(t in context.words.joiners for t in gap):
            out.append(m)
            edge = m.start
        else:
            break
    return out

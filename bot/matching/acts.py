"""Is this a new act? The layer that shipped packs apply to their matches.

A pack's query finds sentences where an actor, a measure and an act verb meet. Whether
such a sentence reports news is a question of time and grammar the query language does
not ask, so it is asked here, only of rules that fired and only of the sentences that
carried them:

* when: a sentence whose act is dated well before publication ('in February 2022',
  'last March', 'On February 24' read on March 20) or told as past ('already',
  'previously', 'had imposed', 'Напомним', recap boxes, paragraphs after a 'Background'
  heading) is background; 'today', a weekday or a date of the last days anchor it to now;
* how: an act verb that is only attributive ('sanctions imposed by the United States',
  'санкции, введенные в 2022 году'), under a modal ('could impose') or threatened
  ('threatens sanctions') is no act; a court annulling a listing is a ruling;
* who: the actor and the targets of the act (roles.py), which a pack may restrict (the
  EU's pack wants the EU acting, not Russia answering it);
* genre: in commentary, analysis, guidance and outlooks an act counts only when it is
  anchored to now, and a blog's 'In this post, we describe ...' is never the lead.

Users' own /watch rules are not judged (they match what was written); their summaries
still lead with the act sentence and their alerts carry its actors and targets.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property

from bot.matching.analysis import Analyzed, FieldText
from bot.matching.dates import WINDOW, TimeMark, Timing, judge_timing, time_marks
from bot.matching.lexicon import Lexicon, PhraseTable
from bot.matching.roles import Cast, Mention, cast
from bot.models import ActPolicy, EntityResolver, Field, Witness

SentenceKey = tuple[Field, int]
# 'PARIS —', 'BRUXELLES (AP) –', 'Strasbourg (France) —': a place before a dash opens the text.
_DATELINE = re.compile(r"^\s*((?:[^\W\d_][\w'’.]*[\s,]*){1,4}(?:\([^)]{1,20}\)\s*)?)[—–-]{1,2}\s")
_SKIP_BEFORE_PARTICIPLE = frozenset(
    [
        "first",
        "previously",
        "already",
        "originally",
        "recently",
        "initially",
        "jointly",
        "earlier",
        "since",
        "ранее",
        "уже",
        "впервые",
        "раніше",
        "вже",
        "впершие",
        "wcześniej",
        "już",
        "zuvor",
        "bereits",
        "ya",
        "já",
        "déjà",
        "già",
    ]
)
_GERMAN_ARTICLES = frozenset(["die", "der", "den", "des", "dem", "bereits", "schon"])
# 'The Council decided ...' in an item about the EU is the Council of the EU.
_EU_BARE = frozenset(("council", "commission"))
_NOT_EU_COUNCIL = frozenset(
    ("security", "rights", "federal", "city", "national", "town", "county", "state", "privy")
)


@dataclass(frozen=True)
class SentenceAct:
    """What one sentence says about its act."""

    key: SentenceKey
    verbs: tuple[int, ...]  # token positions of act verbs that state an act
    told_as_past: bool  # act verbs found, but only attributive or pluperfect ones
    hypothetical: bool  # act verbs found, but only under a modal, and no call
    timing: Timing
    section: str  # background by position: a 'Background' section, a recap, a timeline
    threat: bool
    court: bool
    meta: bool  # the item talking about itself ('In this post, we describe ...')
    cast_verbs: tuple[int, ...] = ()  # the verbs whose subject `DocActs.cast` looks for

    @property
    def background(self) -> str:
        """Why the sentence is background ('' when it is not)."""
        if self.section:
            return self.section
        if self.timing.anchored:
            return ""
        if self.timing.background:
            return f"dated {self.timing.reason}"
        if self.told_as_past:
            return "told as past"
        return ""


@dataclass(frozen=True)
class Verdict:
    """The sentence that reports the act, with who acts on whom."""

    sentence: SentenceKey
    actors: tuple[str, ...]
    targets: tuple[str, ...]
    when: str  # the words that date it to now ('' when nothing does)
    new: bool  # passed the checks of a pack (False: only the best lead for a /watch)


class Judge:
    """The act layer for one gazetteer: builds each document's `DocActs`."""

    def __init__(self, lexicon: Lexicon, resolver: EntityResolver) -> None:
        self.lexicon = lexicon
        self.entities: PhraseTable[str] = PhraseTable(_entity_names(lexicon, resolver))
        self.denied: PhraseTable[str] = PhraseTable(_denied_names(resolver))
        self._verbs: dict[tuple[str, ...], PhraseTable[bool]] = {(): lexicon.verbs}

    def verbs(self, extra: tuple[str, ...]) -> PhraseTable[bool]:
        """The layer's act verbs with a pack's own (compiled once per pack)."""
        table = self._verbs.get(extra)
        if table is None:
            base = ((w, True) for w in self.lexicon.verb_words)
            table = self._verbs[extra] = PhraseTable([*base, *((w, True) for w in extra)])
        return table

    def document(self, analyzed: Analyzed) -> DocActs:
        """The act layer's view of one analysed document."""
        return DocActs(self, analyzed)


def _entity_names(lexicon: Lexicon, resolver: EntityResolver) -> Iterable[tuple[str, str]]:
    """(name, code) of every state (gazetteer) and acting body (acts.yaml)."""
    seen: dict[str, str] = {}
    for name, code in lexicon.actor_names:
        if name.startswith("@body:"):
            try:
                names: Sequence[str] = resolver.names("body", name.removeprefix("@body:"))
            except KeyError:
                continue
        else:
            names = (name,)
        for alias in names:
            seen.setdefault(alias, code)
    for code, aliases in resolver.country_names().items():
        for alias in aliases:
            seen.setdefault(alias, code)
    return seen.items()


def _denied_names(resolver: EntityResolver) -> Iterable[tuple[str, str]]:
    """(phrase, code): phrases in which a country's name does not mean it ('guinea pig')."""
    exclusions = getattr(resolver, "exclusions", None)  # optional on a resolver
    if not callable(exclusions):
        return []
    out: list[tuple[str, str]] = []
    for code in resolver.country_names():
        try:
            out.extend((phrase, code) for phrase in exclusions("country", code))
        except KeyError:
            continue
    return out


@dataclass
class DocActs:
    """One document: its reference date, genre, sections, and each sentence's act."""

    judge: Judge
    doc: Analyzed
    # (sentence, verb table) -> its act; tables hash by identity (one per verb list)
    _cache: dict[tuple[SentenceKey, PhraseTable[bool]], SentenceAct] = field(default_factory=dict)
    _time_cache: dict[tuple[SentenceKey, date | None], list[TimeMark]] = field(default_factory=dict)
    _leads: dict[tuple[SentenceKey, ...], Verdict | None] = field(default_factory=dict)
    _casts: dict[tuple[SentenceKey, tuple[int, ...]], Cast] = field(default_factory=dict)

    @cached_property
    def reference(self) -> date | None:
        """The publication date, else the latest day the item itself names."""
        published = self.doc.doc.published
        if published is not None:
            return published.date()
        days = [
            m.last
            for key in self._keys()
            for m in self._marks(key, None)
            if m.precise and m.last is not None and m.role == "act"
        ]
        return max(days, default=None)

    @cached_property
    def opinion(self) -> bool:
        """An opinion piece ('Opinion:', 'Editorial:', 'Kommentar:'): no act of its own."""
        title = self.doc.fields["title"]
        lex = self.judge.lexicon
        return (
            bool(title.tokens)
            and lex.opinion_titles.match_at(title.tokens, 0, len(title.tokens)) is not None
        )

    @cached_property
    def commentary(self) -> bool:
        """Opinion, analysis, guidance, an outlook or a blog post, not a news report."""
        lex = self.judge.lexicon
        title = self.doc.fields["title"]
        if title.tokens and lex.commentary_titles.match_at(title.tokens, 0, len(title.tokens)):
            return True
        if lex.guide_titles.within(title.tokens, 0, len(title.tokens)):
            return True
        if title.original.rstrip().endswith("?"):
            return True
        text = self.doc.fields["text"]
        return lex.commentary_phrases.within(text.tokens, 0, len(text.tokens))

    @cached_property
    def sections(self) -> dict[int, str]:
        """Text sentences that are background by position, with the reason."""
        ft = self.doc.fields["text"]
        lex = self.judge.lexicon
        out: dict[int, str] = {}
        after_heading = False
        for p_lo, p_hi in ft.paragraph_tokens:
            inside = [i for i, (lo, _) in enumerate(ft.sentence_tokens) if p_lo <= lo < p_hi]
            if tuple(ft.tokens[p_lo:p_hi]) in lex.headings and p_hi - p_lo <= 5:
                after_heading = True
                continue
            if after_heading:
                out.update((i, "in a background section") for i in inside)
                continue
            if inside and self._timeline_entry(ft, inside[0], p_lo):
                out.update((i, "a timeline entry") for i in inside)
                continue
            # 'Нагадаємо, ...' recalls earlier news, to the end of its paragraph.
            for n, i in enumerate(inside):
                lo, hi = ft.sentence_tokens[i]
                if lo < hi and lex.recap.match_at(ft.tokens, lo, hi) is not None:
                    out.update((j, "a recap of earlier news") for j in inside[n:])
                    break
        return out

    def _timeline_entry(self, ft: FieldText, sentence: int, p_lo: int) -> bool:
        """'24 February — The Council approved ...': an old date heading a paragraph."""
        first = ft.tokens[p_lo] if p_lo < len(ft.tokens) else ""
        if not (first[:1].isdigit() or self.judge.lexicon.months.starts(first)):
            return False  # most paragraphs: no date can open them
        marks = [m for m in self._marks(("text", sentence), self.reference) if m.start == p_lo]
        if not marks or marks[0].kind != "date":
            return False
        rest = ft.original[ft.ends[marks[0].end - 1] :].lstrip()
        if rest[:1] not in ("—", "–", "-", ":"):
            return False
        last, ref = marks[0].last, self.reference
        return last is None or ref is None or last < ref - WINDOW

    def _keys(self) -> list[SentenceKey]:
        return [(f, i) for f in ("title", "text") for i in range(len(self.doc.fields[f].sentences))]

    def _marks(self, key: SentenceKey, ref: date | None) -> list[TimeMark]:
        found = self._time_cache.get((key, ref))
        if found is None:
            ft = self.doc.fields[key[0]]
            lo, hi = ft.sentence_tokens[key[1]]
            found = self._time_cache[(key, ref)] = time_marks(
                ft.tokens, lo, hi, self.judge.lexicon, ref
            )
        return found

    def sentence(self, key: SentenceKey, verbs: tuple[str, ...] = ()) -> SentenceAct:
        """The act of one sentence, reading the layer's act verbs and a pack's own `verbs`
        (cached: several packs ask about the same sentence)."""
        table = self.judge.verbs(verbs)
        found = self._cache.get((key, table))
        if found is None:
            found = self._cache[(key, table)] = self._read(key, table)
        return found

    def _read(self, key: SentenceKey, verb_table: PhraseTable[bool]) -> SentenceAct:
        lex = self.judge.lexicon
        ft = self.doc.fields[key[0]]
        lo, hi = ft.sentence_tokens[key[1]]
        tokens = ft.tokens
        ref = self.reference
        marks = self._marks(key, ref)
        timing = judge_timing(marks, tokens, ref, ft.original, ft.starts, ft.ends)
        mentions = self._mentions(ft, lo, hi, key) if key[0] == "title" else None
        # 'signs of strain', 'a list of': a form that is as often a noun, before 'of', is one.
        noun_like = lex.roles.noun_like
        verbs = [
            start
            for start, end, _ in verb_table.find(tokens, lo, hi)
            if not (end < hi and tokens[end] == "of" and tokens[start] in noun_like)
        ]
        if mentions is not None:  # 'UK sanctions Iranian officials': the headline's verb
            verbs = sorted({*verbs, *_headline_verbs(tokens, mentions)})
        stated, past, modal = self._verb_kinds(ft, lo, hi, verbs)
        calls = lex.calls.within(tokens, lo, hi)
        first = stated[0] if stated else hi

        # 'are expected to approve a new round of listings': a noun-like form ('listings',
        # 'ban') next to a modal or a participle states nothing.
        strong = [v for v in stated if tokens[v] not in lex.roles.noun_like]
        return SentenceAct(
            key=key,
            verbs=tuple(stated),
            told_as_past=bool(verbs) and not strong and past,
            hypothetical=bool(verbs) and not strong and modal and not calls,
            timing=timing,
            section=self.sections.get(key[1], "") if key[0] == "text" else "",
            threat=lex.threats.within(tokens, lo, first),
            court=lex.courts.within(tokens, lo, hi) and lex.rulings.within(tokens, lo, hi),
            meta=lex.commentary_phrases.within(tokens, lo, hi),
            cast_verbs=tuple(stated or verbs),
        )

    def cast(self, act: SentenceAct) -> Cast:
        """Who acts on whom in the sentence of `act` (read only for a sentence a verdict or
        a lead picks; cached, and held here so that no sentence points back at its item)."""
        found = self._casts.get((act.key, act.cast_verbs))
        if found is None:
            ft = self.doc.fields[act.key[0]]
            lo, hi = ft.sentence_tokens[act.key[1]]
            gaps = {i: ft.original[ft.ends[i - 1] : ft.starts[i]] for i in range(lo + 1, hi)}
            breaks = frozenset(i for i, g in gaps.items() if any(c in ',;:—–()"“”«»' for c in g))
            stops = _stops(gaps)
            mentions = self._mentions(ft, lo, hi, act.key)
            roles = self.judge.lexicon.roles
            found = cast(ft.tokens, lo, hi, mentions, act.cast_verbs, roles, breaks, stops)
            self._casts[(act.key, act.cast_verbs)] = found
        return found

    def _verb_kinds(
        self, ft: FieldText, lo: int, hi: int, verbs: Sequence[int]
    ) -> tuple[list[int], bool, bool]:
        """(verbs that state an act, some was told as context or past, some was modal)."""
        lex, tokens = self.judge.lexicon, ft.tokens
        stated: list[int] = []
        past = modal = False
        for i in verbs:
            surface = ft.original[ft.starts[i] : ft.ends[i]].lower()
            if (
                _attributive(tokens, lo, i, surface, lex)
                or _relative(tokens, lo, i, lex)
                or _pluperfect(tokens, lo, i, hi, lex)
                or self._triggered(ft, lo, i)
            ):
                past = True
            elif _modal(tokens, lo, i, lex):
                modal = True
            else:
                stated.append(i)
        return stated, past, modal

    def _triggered(self, ft: FieldText, lo: int, i: int) -> bool:
        """'It came two days after the EU imposed ...': the verb tells what the news answered.

        A trigger inside the sentence reaches to its end, unless a colon, dash or bracket
        intervenes; one that opens it reaches to the first comma (the main clause is news)."""
        for start, end, _ in self.judge.lexicon.triggers.find(ft.tokens, lo, i):
            gap = ft.original[ft.ends[end - 1] : ft.starts[i]]
            limit = "," if start == lo else ";:—–("
            if not any(c in limit for c in gap):
                return True
        return False

    def _mentions(self, ft: FieldText, lo: int, hi: int, key: SentenceKey) -> list[Mention]:
        hidden_until = self._dateline_end(ft, key)
        denied = self.judge.denied.find(ft.tokens, lo, hi)
        out: list[Mention] = []
        for start, end, code in self._names(ft, lo, hi):
            if any(c == code and a <= start and end <= b for a, b, c in denied):
                continue
            a, b = ft.starts[start], ft.ends[end - 1]
            bracketed = ft.original[a - 1 : a] == "(" and ft.original[b : b + 1] == ")"
            out.append(Mention(start, end, code, hidden=bracketed or start < hidden_until))
        return out

    def _names(self, ft: FieldText, lo: int, hi: int) -> list[tuple[int, int, str]]:
        """Names of states and bodies; 'US' written in capitals (folded, it is 'us'); and
        'the Council' / 'the Commission' in an item about the EU."""
        found = self.judge.entities.find(ft.tokens, lo, hi)
        taken = {i for start, end, _ in found for i in range(start, end)}
        for i in range(lo, hi):
            if i in taken:
                continue
            token = ft.tokens[i]
            if token == "us" and ft.original[ft.starts[i] : ft.ends[i]] == "US":
                found.append((i, i + 1, "US"))
            elif token in _EU_BARE and self._eu_body(ft, i):
                found.append((i, i + 1, "EU"))
        return sorted(found)

    def _eu_body(self, ft: FieldText, i: int) -> bool:
        """'the Council' (not 'the Security Council') in an item that names the EU."""
        return not (i > 0 and ft.tokens[i - 1] in _NOT_EU_COUNCIL) and self.eu_context

    @cached_property
    def eu_context(self) -> bool:
        """Whether the item names the EU or one of its bodies (then 'the Council' is the EU's)."""
        for field_name in ("title", "text"):
            ft = self.doc.fields[field_name]
            names = self.judge.entities.find(ft.tokens, 0, len(ft.tokens))
            if any(code == "EU" for _, _, code in names):
                return True
        return False

    def _dateline_end(self, ft: FieldText, key: SentenceKey) -> int:
        """Token index where a dateline opening this sentence ends (lo when there is none)."""
        lo, _ = ft.sentence_tokens[key[1]]
        if key[0] != "text":
            return lo
        s_start, s_end = ft.sentences[key[1]]
        found = _DATELINE.match(ft.original, s_start, s_end)
        if found is None:
            return lo
        cut = found.end(1)
        return next((i for i in range(lo, len(ft.starts)) if ft.starts[i] >= cut), lo)

    def carriers(self, witnesses: Sequence[Witness]) -> list[SentenceKey]:
        """Sentences that carried a match, those where two or more terms met first."""
        terms: dict[SentenceKey, set[str]] = {}
        for w in witnesses:
            terms.setdefault((w.field, w.sentence), set()).add(w.term)
        joined = [k for k, t in terms.items() if len(t) >= 2]
        keys = joined or list(terms)
        keys.sort(key=lambda k: (-len(terms[k]), k[0] != "text", k[1]))
        return keys

    def accept(self, policy: ActPolicy, witnesses: Sequence[Witness]) -> Verdict | None:
        """The sentence that makes this a new act for `policy`, or None."""
        for key in self.carriers(witnesses):
            act = self.sentence(key, policy.verbs)
            if self._passes(act, policy):
                found = self.cast(act)
                return Verdict(key, found.actors, found.targets, act.timing.reason, True)
        return None

    def lead(self, witnesses: Sequence[Witness]) -> Verdict | None:
        """For a /watch: the carrying sentence that best reports an act (never a meta one)."""
        keys = tuple(self.carriers(witnesses))
        if keys not in self._leads:  # watches that matched the same sentences share a lead
            self._leads[keys] = self._best_lead(keys)
        return self._leads[keys]

    def _best_lead(self, keys: Sequence[SentenceKey]) -> Verdict | None:
        best: tuple[tuple[bool, bool, bool], SentenceKey] | None = None
        for key in keys:  # the first in carrier order of the best rank; stop at a perfect one
            rank = self._lead_rank(self.sentence(key))
            if best is None or rank < best[0]:
                best = (rank, key)
            if not any(rank):
                break
        if best is None or best[0][0]:
            return None
        act = self.sentence(best[1])
        found = self.cast(act)
        return Verdict(best[1], found.actors, found.targets, act.timing.reason, False)

    @staticmethod
    def _lead_rank(act: SentenceAct) -> tuple[bool, bool, bool]:
        return (act.meta, bool(act.background), not act.verbs)

    def _passes(self, act: SentenceAct, policy: ActPolicy) -> bool:
        if not act.verbs:
            return False  # a name next to 'sanctions' is not an act: an act needs its verb
        if policy.new_only:
            if act.background or act.threat or act.court or act.meta or act.hypothetical:
                return False
            if self.opinion:
                return False
            if self.commentary and not act.timing.anchored:
                return False
        roles = self.cast(act)
        actors = set(roles.actors)
        if roles.private and policy.actors:
            return False
        if policy.actors and (actors or policy.actor_required) and not actors & set(policy.actors):
            return False
        # A joint act ('the UK, Canada and Norway imposed') is news to each one's pack.
        return not (actors and actors <= set(policy.not_actors))


def _stops(gaps: dict[int, str]) -> frozenset[int]:
    """Tokens after a colon, dash or bracket, which no subject search runs across; but a
    name's short bracketed acronym is part of the name: 'the Office of Foreign Assets
    Control (OFAC) on Wednesday designated ...'."""
    stops = {i for i, g in gaps.items() if any(c in ";:—–()" for c in g)}
    for i in sorted(stops):
        if gaps[i].strip() != "(":
            continue
        close = next((j for j in (i + 1, i + 2) if gaps.get(j, "").strip() == ")"), None)
        if close is not None:
            stops -= {i, close}
    return frozenset(stops)


def _attributive(tokens: Sequence[str], lo: int, i: int, surface: str, lex: Lexicon) -> bool:
    """'sanctions (first) imposed in 2014', 'die verhängten Sanktionen', 'العقوبات المفروضة'."""
    if surface.startswith("ال"):
        return True
    j = i - 1
    while j >= lo and tokens[j] in _SKIP_BEFORE_PARTICIPLE:
        j -= 1
    if (
        j >= lo
        and lex.measures.match_at(tokens, j, j + 1) is not None
        and surface.endswith(lex.participle_endings)
        and not _german(tokens, lo, i)
    ):
        return True
    return (
        i - 1 >= lo
        and tokens[i - 1] in _GERMAN_ARTICLES
        and i + 1 < len(tokens)
        and lex.measures.match_at(tokens, i + 1, i + 2) is not None
    )


# Words that open the object of a headline's 'sanctions' ('UK sanctions two banks').
_OBJECT_OPENERS = frozenset(
    [
        "a",
        "an",
        "the",
        "its",
        "more",
        "further",
        "new",
        "top",
        "senior",
        "dozens",
        "hundreds",
        "several",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "eleven",
        "twelve",
        "individuals",
        "entities",
        "officials",
        "people",
        "firms",
        "companies",
        "banks",
        "ships",
        "vessels",
        "tankers",
        "networks",
        "members",
        "leaders",
    ]
)


def _headline_verbs(tokens: Sequence[str], mentions: Sequence[Mention]) -> list[int]:
    """'UK sanctions X', 'Treasury sanctions X': 'sanctions' right after the name that opens
    a headline is its verb ('... to mirror Russia sanctions' is a noun)."""
    return [
        m.end for m in mentions
        if m.start == 0 and m.end < len(tokens)
        and tokens[m.end] in ("sanctions", "sanctioniert", "sanziona")
        and (tokens[m.end] != "sanctions" or _object_follows(tokens, m.end + 1, mentions))
    ]  # fmt: skip


def _object_follows(tokens: Sequence[str], i: int, mentions: Sequence[Mention]) -> bool:
    """'UK sanctions 21 ...', '... the head of ...', '... Iranian officials': an object after
    'sanctions' makes it the verb ('EU sanctions envoy', 'EU sanctions remain': the noun)."""
    if i >= len(tokens):
        return False
    token = tokens[i]
    return token.isdigit() or token in _OBJECT_OPENERS or any(m.start == i for m in mentions)


def _german(tokens: Sequence[str], lo: int, i: int) -> bool:
    """German perfect ('hat Sanktionen verhängt'): the participle ends the clause, no attribute."""
    return any(t in ("hat", "haben", "wurde", "wurden", "wird", "werden") for t in tokens[lo:i])


def _relative(tokens: Sequence[str], lo: int, i: int, lex: Lexicon) -> bool:
    """'пакету санкций, который Евросоюз утвердил 18 декабря': a relative clause on a
    measure describes it as adopted (like 'the package adopted by the EU')."""
    return any(
        tokens[j] in lex.relatives and lex.measures.match_at(tokens, j - 1, j) is not None
        for j in range(max(lo + 1, i - 4), i)
    )


def _pluperfect(tokens: Sequence[str], lo: int, i: int, hi: int, lex: Lexicon) -> bool:
    """'had (already) imposed', 'avait interdit', 'hatte ... verhängt' (German: clause end),
    'تحریم کرده بود' (Persian: the auxiliary after the verb).

    Not after a verb of saying: 'said it had barred' is reported speech, not the past."""
    if any(t in lex.pluperfect_after for t in tokens[i + 1 : min(hi, i + 4)]):
        return True
    reach = 14 if any(t in ("hatte", "hatten") for t in tokens[max(lo, i - 14) : i]) else 3
    aux = [j for j in range(max(lo, i - reach), i) if tokens[j] in lex.pluperfect]
    return bool(aux) and not lex.roles.attribution.within(tokens, lo, aux[0])


def _modal(tokens: Sequence[str], lo: int, i: int, lex: Lexicon) -> bool:
    """'could impose', 'would be imposed', 'could also impose': a modal up to three words before.

    'May' after 'in' or before a number is the month."""
    for j in range(max(lo, i - 3), i):
        if lex.modals.match_at(tokens, j, i) is None:  # 'could', 'expected to'
            continue
        month = tokens[j] == "may" and (
            (j > lo and (tokens[j - 1] in lex.month_before or tokens[j - 1].isdigit()))
            or (j + 1 < len(tokens) and tokens[j + 1].isdigit())
        )
        # 'said Japan would ban': a decision reported in the past, not a possibility
        reported = tokens[j] in ("would", "würde", "würden") and lex.roles.attribution.within(
            tokens, lo, j
        )
        if not (month or reported):
            return True
    return False

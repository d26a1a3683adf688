"""Random nested queries over small noisy documents: engine and regex baseline must agree.

    python -m bench.fuzz [--rules 3000] [--docs 300] [--seed 5]

The generated rule sets of bench/matching.py use the shapes people write; this
check adds what they rarely write (/s inside /p inside NOT, NEAR of OR groups,
field scopes deep inside, accents, punctuation between phrase words) so that the
two matchers are compared where their semantics are hardest to get right.
"""

from __future__ import annotations

import argparse
import random

from bench.baseline import Baseline
from bot.errors import QuerySyntaxError
from bot.matching.engine import Engine
from bot.models import Document, EntityResolver, Rule

WORDS = (
    "sanctions",
    "Sanction",
    "embargo",
    "Belarus",
    "Bélarus",
    "Minsk",
    "Russia",
    "resolution",
    "adopted",
    "European",
    "Parliament",
    "freeze",
    "asset",
    "oil",
    "price",
    "cap",
    "EU",
    "Council",
    "the",
    "of",
    "on",
    "travel",
    "ban",
    "Iran",
    "Tehran",
)
LEAVES = (
    "sanction*",
    "embargo",
    '"asset freeze"',
    '"European Parliament"',
    "@country:BY",
    "@country:RU",
    "@country:IR",
    "@body:EP",
    "@body:EU",
    "Minsk",
    "oil",
    '"price cap"',
    "resolution*",
    "adopted",
    '"travel ban"',
    "belarus",
    "cap",
    "EU",
)
_PUNCT = (".", ",", "!", ";", " -", ":")


class Fuzzer:
    """Seeded generator of documents and queries."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)

    def sentence(self) -> str:
        rng = self.rng
        words = [rng.choice(WORDS) for _ in range(rng.randint(3, 12))]
        text = " ".join(w + rng.choice(_PUNCT) if rng.random() < 0.15 else w for w in words)
        return text[0].upper() + text[1:] + rng.choice(".!?.")

    def document(self, index: int) -> Document:
        rng = self.rng
        paragraphs = [
            " ".join(self.sentence() for _ in range(rng.randint(1, 3)))
            for _ in range(rng.randint(1, 3))
        ]
        title = self.sentence() if rng.random() < 0.8 else ""
        return Document(id=str(index), title=title, text="\n\n".join(paragraphs))

    def group(self) -> str:
        if self.rng.random() < 0.6:
            return self.rng.choice(LEAVES)
        return "(" + " OR ".join(self.rng.sample(LEAVES, self.rng.randint(2, 3))) + ")"

    def query(self, depth: int = 0) -> str:
        r, rng = self.rng.random(), self.rng
        if depth > 2 or r < 0.25:
            return self.group()
        if r < 0.4:
            return f"({self.query(depth + 1)} AND {self.query(depth + 1)})"
        if r < 0.5:
            return f"({self.query(depth + 1)} OR {self.query(depth + 1)})"
        if r < 0.6:
            return f"({self.query(depth + 1)} -{self.group()})"
        if r < 0.72:
            return f"({self.group()} NEAR/{rng.randint(1, 6)} {self.group()})"
        if r < 0.84:
            return f"({self.query(depth + 1)} /s {self.query(depth + 1)})"
        if r < 0.92:
            return f"({self.query(depth + 1)} /p {self.query(depth + 1)})"
        return f"{rng.choice(['title', 'text'])}:({self.query(depth + 1)})"

    def rules(self, count: int, resolver: EntityResolver) -> list[Rule]:
        """`count` queries both matchers accept (a query without a positive term is an error)."""
        out: list[Rule] = []
        while len(out) < count:
            rule = Rule(f"watch:{len(out) + 1}", "fuzz", self.query())
            try:
                Baseline.compile([rule], resolver)
            except QuerySyntaxError:
                continue
            out.append(rule)
        return out


def disagreements(
    rules: list[Rule], docs: list[Document], resolver: EntityResolver
) -> tuple[int, list[tuple[str, str, str]]]:
    """(pairs the baseline found, [(side, doc id, query)] where the matchers disagree)."""
    engine, baseline = Engine.compile(rules, resolver), Baseline.compile(rules, resolver)
    queries = {r.key: r.query for r in rules}
    total, diffs = 0, []
    for doc in docs:
        found, expected = {m.rule_key for m in engine.match(doc)}, set(baseline.match(doc))
        total += len(expected)
        diffs += [
            ("engine only" if k in found else "baseline only", doc.id, queries[k])
            for k in sorted(found ^ expected)
        ]
    return total, diffs


def main(argv: list[str] | None = None) -> int:
    """Command line: print the number of pairs compared and the first disagreements."""
    from bot.matching.gazetteer import load_gazetteer

    parser = argparse.ArgumentParser(description="engine vs baseline on random nested queries")
    parser.add_argument("--rules", type=int, default=3000)
    parser.add_argument("--docs", type=int, default=300)
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args(argv)
    resolver = load_gazetteer()
    fuzz = Fuzzer(args.seed)
    rules = fuzz.rules(args.rules, resolver)
    docs = [fuzz.document(i) for i in range(args.docs)]
    total, diffs = disagreements(rules, docs, resolver)
    print(
        f"{total:,} (document, rule) matches of the baseline compared; {len(diffs)} disagreements"
    )
    for side, doc_id, query in diffs[:10]:
        print(f"  {side}: document {doc_id}: {query}")
    return 0 if not diffs else 1


if __name__ == "__main__":
    raise SystemExit(main())

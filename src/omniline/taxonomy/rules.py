"""Keyword and pattern rules per topic: the classifier's first, explainable step (pure, no I/O).

A topic's rules are `{"keywords": {"en": [...], "ru": [...], "zh": [...]}, "patterns": ["regex", ...]}`.
Matching is case-insensitive (`str.casefold`, and ё is read as е) and follows how each language is
written:

- English keywords match whole words or phrases ("refund" does not match "refunded").
- Russian keywords match word forms: each word of the keyword is cut to its stem (a common
  inflectional ending is removed when at least four letters remain) and matches any word starting with
  that stem, so "заказ" matches "заказа", "заказом" and "доставка" matches "доставку", "доставкой".
- Chinese keywords match as substrings (Chinese is written without spaces).
- Patterns are regular expressions searched in the normalised text, whatever the language.

A hit's score is the number of distinct keywords matched plus `PATTERN_WEIGHT` per pattern matched
(a pattern is written for one topic, a keyword is often shared). Hits are ordered by score, then by
the order the topics were given (taxonomy position), then by code: the same text always gives the same
answer.
"""

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from omniline.kernel.errors import InvalidInput

PATTERN_WEIGHT = 2.0
LANGUAGES = ("en", "ru", "zh")
# Longest first, so "ами" is removed rather than just "и".
_RUSSIAN_ENDINGS = sorted(
    ("ями", "ами", "ого", "его", "ему", "ому", "ыми", "ими", "иях", "ах", "ях", "ой", "ей", "ий", "ый",
     "ая", "яя", "ое", "ее", "ие", "ые", "ов", "ев", "ом", "ем", "ам", "ям", "ию", "ия",
     "ь", "й", "а", "я", "о", "е", "ы", "и", "у", "ю"),
    key=len,
    reverse=True,
)  # fmt: skip
_MIN_STEM = 4


@dataclass(frozen=True, slots=True)
class TopicRules:
    """The rules of one topic as plain values."""

    code: str
    keywords: Mapping[str, Sequence[str]]
    patterns: Sequence[str] = ()

    @classmethod
    def from_mapping(cls, code: str, rules: Mapping[str, Any] | None) -> "TopicRules":
        """From a Topic's `rules` column; raises InvalidInput when its shape is wrong."""
        rules = rules or {}
        keywords = rules.get("keywords") or {}
        patterns = rules.get("patterns") or []
        if not isinstance(keywords, Mapping) or not all(
            isinstance(terms, list) and all(isinstance(term, str) for term in terms)
            for terms in keywords.values()
        ):
            raise InvalidInput(f"topic {code}: rules.keywords must map a language to a list of strings")
        if not isinstance(patterns, list) or not all(isinstance(item, str) for item in patterns):
            raise InvalidInput(f"topic {code}: rules.patterns must be a list of strings")
        return cls(code=code, keywords=dict(keywords), patterns=tuple(patterns))


@dataclass(frozen=True, slots=True)
class Term:
    """One keyword, compiled for the language it is written in."""

    label: str  # the keyword as written in the taxonomy, reported back as a matched term
    needle: str  # a cheap substring test that must pass before the regex runs
    regex: re.Pattern[str] | None  # None: the substring test is the whole match (Chinese)


@dataclass(frozen=True, slots=True)
class _CompiledTopic:
    code: str
    terms: Mapping[str, tuple[Term, ...]]  # by language
    patterns: tuple[tuple[str, re.Pattern[str]], ...]


@dataclass(frozen=True, slots=True)
class RuleSet:
    topics: tuple[_CompiledTopic, ...]


@dataclass(frozen=True, slots=True)
class RuleHit:
    topic_code: str
    score: float
    terms: tuple[str, ...]  # the keywords and patterns that matched, in rule order


def normalise(text: str) -> str:
    """The form both keywords and texts are compared in."""
    return text.casefold().replace("ё", "е")


def russian_stem(word: str) -> str:
    """The word without one common inflectional ending, if at least four letters remain."""
    for ending in _RUSSIAN_ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= _MIN_STEM:
            return word[: -len(ending)]
    return word


def compile_term(language: str, keyword: str) -> Term | None:
    """A keyword matched as the module docstring says for its language; None for a blank keyword."""
    words = normalise(keyword).split()
    if not words:
        return None
    if language == "zh":
        return Term(keyword, "".join(words), None)
    if language == "ru":
        stems = [russian_stem(word) for word in words]
        body = r"\w*\s+".join(re.escape(stem) for stem in stems)
        return Term(keyword, stems[0], re.compile(rf"(?<!\w){body}"))
    body = r"\s+".join(re.escape(word) for word in words)
    return Term(keyword, words[0], re.compile(rf"(?<!\w){body}(?!\w)"))


def term_matches(term: Term, normalised: str) -> bool:
    """Whether the keyword occurs in a text already passed through `normalise`."""
    return term.needle in normalised and (term.regex is None or term.regex.search(normalised) is not None)


def compile_rules(topics: Iterable[TopicRules], *, skip_invalid: bool = False) -> RuleSet:
    """Compile the rules once for many texts. A pattern that is not a valid regular expression raises
    InvalidInput naming the topic, or is left out with `skip_invalid` (classifying live traffic must
    not fail because of one bad pattern)."""
    compiled: list[_CompiledTopic] = []
    for topic in topics:
        terms: dict[str, tuple[Term, ...]] = {}
        for language, keywords in topic.keywords.items():
            made = (compile_term(language, keyword) for keyword in keywords)
            terms[language] = tuple(term for term in made if term is not None)
        patterns: list[tuple[str, re.Pattern[str]]] = []
        for pattern in topic.patterns:
            try:
                patterns.append((pattern, re.compile(pattern, re.IGNORECASE)))
            except re.error as error:
                if not skip_invalid:
                    raise InvalidInput(f"topic {topic.code}: bad pattern {pattern!r}: {error}") from None
        compiled.append(_CompiledTopic(topic.code, terms, tuple(patterns)))
    return RuleSet(tuple(compiled))


def match_rules(ruleset: RuleSet, text: str, language: str | None) -> list[RuleHit]:
    """Every topic whose rules match `text`, best first (empty when none does).

    With a known `language` that language's keywords are tried, and the English ones too (product and
    brand words appear in Latin letters inside Russian and Chinese messages); with None, every
    language's keywords are tried."""
    normalised = normalise(text)
    languages = LANGUAGES if language is None else (language, "en") if language != "en" else ("en",)
    ranked: list[tuple[float, int, str, RuleHit]] = []
    for index, topic in enumerate(ruleset.topics):
        matched: list[str] = []
        score = 0.0
        for language_code in languages:
            for term in topic.terms.get(language_code, ()):
                if term_matches(term, normalised) and term.label not in matched:
                    matched.append(term.label)
                    score += 1.0
        for source, regex in topic.patterns:
            if regex.search(normalised):
                matched.append(source)
                score += PATTERN_WEIGHT
        if matched:
            ranked.append((-score, index, topic.code, RuleHit(topic.code, score, tuple(matched))))
    ranked.sort(key=lambda item: item[:3])
    return [item[3] for item in ranked]

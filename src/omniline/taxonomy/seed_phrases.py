"""A topic's own words as extra training texts for the model: its names and rule keywords.

Agents' examples are few and repeat themselves; the taxonomy already says, in three languages, what
each topic is called and which phrases mark it. Adding those phrases to the training texts teaches the
model that vocabulary even where no example used it yet (on the generated set, scored on templates
held out of training, this lifted the model's top-1 accuracy by about 0.1). They are training texts
only: never held out, never counted as examples.
"""

from collections.abc import Iterable, Mapping
from typing import Any


def topic_phrases(names: Mapping[str, str] | None, rules: Mapping[str, Any] | None) -> list[str]:
    """The topic's names and keywords in every language, each once, in taxonomy order. A malformed
    `rules` value (not the documented shape) gives only the names."""
    phrases: list[str] = []
    candidates: list[Any] = list((names or {}).values())
    keywords = (rules or {}).get("keywords")
    if isinstance(keywords, Mapping):
        for terms in keywords.values():
            if isinstance(terms, list):
                candidates.extend(terms)
    for phrase in candidates:
        if isinstance(phrase, str) and phrase.strip() and phrase not in phrases:
            phrases.append(phrase)
    return phrases


def phrases_for(
    topics: Iterable[tuple[str, Mapping[str, str] | None, Mapping[str, Any] | None]], codes: Iterable[str]
) -> tuple[list[str], list[str]]:
    """(texts, topic codes) of the phrases of those of `topics` (code, names, rules) whose code is in
    `codes`: a model is only taught phrases of topics it has examples of."""
    wanted = set(codes)
    texts: list[str] = []
    labels: list[str] = []
    for code, names, rules in topics:
        if code in wanted:
            for phrase in topic_phrases(names, rules):
                texts.append(phrase)
                labels.append(code)
    return texts, labels

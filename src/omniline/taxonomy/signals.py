"""Sentiment and urgency of a customer's message, by rules (pure, no I/O).

A starting point, documented so it can be tuned: word lists per language, matched like the topic
keywords (English on word boundaries, Russian by word stems, Chinese as substrings; see rules.py),
plus the shape of the text. Every signal found is named in `reasons`, so a supervisor can see why a
contact was flagged.

- negative: an angry or dissatisfied word, three or more "!", a run of words in capitals ("WHERE IS MY
  ORDER": three words or more), or a threat to leave or to complain to a regulator, a court or a lawyer;
- positive: a thanking or praising word, when nothing negative was found;
- urgency "high": an urgent word ("urgent", "срочно", "紧急"), "immediately" ("немедленно", "马上"),
  or a threat (a customer about to leave or go to the regulator is urgent whatever the topic).

A complaint as such ("I want to complain", "жалоба", "投诉") is not a threat: it is a topic.
"""

import re
from dataclasses import dataclass
from typing import Literal

from omniline.taxonomy.rules import LANGUAGES, Term, compile_term, normalise, term_matches

Sentiment = Literal["negative", "neutral", "positive"]
Urgency = Literal["normal", "high"]

_NEGATIVE = {
    "en": ("angry", "furious", "terrible", "awful", "horrible", "disgusting", "unacceptable", "ridiculous",
           "outrageous", "worst", "disappointed", "useless", "scam", "rude", "incompetent", "fed up",
           "shame on you"),
    "ru": ("ужасно", "безобразие", "отвратительно", "возмутительно", "кошмар", "недоволен", "недовольна",
           "разочарован", "обманули", "мошенники", "хамство", "издевательство", "позор", "бардак",
           "надоело", "бесит"),
    "zh": ("太差", "很差", "生气", "愤怒", "气死", "失望", "垃圾", "骗子", "欺骗", "无语", "离谱",
           "恶心", "不满意", "态度差"),
}  # fmt: skip
_THREAT = {
    "en": ("regulator", "ombudsman", "lawyer", "sue you", "court", "cancel my account", "never again",
           "chargeback", "consumer protection", "go to a competitor"),
    "ru": ("роспотребнадзор", "прокуратура", "подам в суд", "судиться", "юрист", "адвокат", "уйду к",
           "откажусь от ваших услуг", "центробанк", "центральный банк"),
    "zh": ("消协", "消费者协会", "12315", "工商局", "市场监管", "律师", "起诉", "法院", "曝光",
           "再也不", "销户", "换一家"),
}  # fmt: skip
_URGENT = {
    "en": ("urgent", "urgently", "asap", "emergency", "right now", "immediately"),
    "ru": ("срочно", "немедленно", "сейчас же", "экстренно", "безотлагательно"),
    "zh": ("紧急", "马上", "立刻", "立即", "赶紧", "尽快", "着急", "急用"),
}  # fmt: skip
_POSITIVE = {
    "en": ("thanks", "thank you", "great", "excellent", "perfect", "appreciate", "wonderful", "helpful"),
    "ru": ("спасибо", "благодарю", "отлично", "прекрасно", "замечательно", "супер", "молодцы"),
    "zh": ("谢谢", "感谢", "太好了", "满意", "很好", "非常好", "辛苦了"),
}  # fmt: skip
# Three words in capitals in a row is shouting; one or two are more often a code or a brand ("ATM PIN").
_CAPS_RUN = re.compile(r"\b[A-ZА-ЯЁ]{2,}(?:[\s,.!?]+[A-ZА-ЯЁ]{2,}){2,}\b")
_EXCLAMATIONS = re.compile(r"[!！]{3,}")


@dataclass(frozen=True, slots=True)
class Signals:
    sentiment: Sentiment
    urgency: Urgency
    reasons: tuple[str, ...]  # e.g. ("negative:ужасно", "shouting:!!!", "threat:роспотребнадзор")


def _compile(words: dict[str, tuple[str, ...]]) -> dict[str, tuple[Term, ...]]:
    compiled: dict[str, tuple[Term, ...]] = {}
    for language, listed in words.items():
        terms = (compile_term(language, word) for word in listed)
        compiled[language] = tuple(term for term in terms if term is not None)
    return compiled


_LISTS = {
    "negative": _compile(_NEGATIVE),
    "threat": _compile(_THREAT),
    "urgent": _compile(_URGENT),
    "positive": _compile(_POSITIVE),
}


def _found(kind: str, normalised: str, languages: tuple[str, ...]) -> list[str]:
    return [
        f"{kind}:{term.label}"
        for language in languages
        for term in _LISTS[kind].get(language, ())
        if term_matches(term, normalised)
    ]


def assess_signals(text: str, language: str | None) -> Signals:
    """The sentiment and urgency of one message. `language` as from `detect_language`: its words and
    the English ones are tried (English phrases turn up in any language); None tries all."""
    languages = LANGUAGES if language is None else (language, "en") if language != "en" else ("en",)
    normalised = normalise(text)
    negative = _found("negative", normalised, languages)
    threats = _found("threat", normalised, languages)
    urgent = _found("urgent", normalised, languages)
    shouting: list[str] = []
    if _EXCLAMATIONS.search(text):
        shouting.append("shouting:!!!")
    if _CAPS_RUN.search(text):
        shouting.append("shouting:capitals")
    reasons: tuple[str, ...] = (*negative, *shouting, *threats, *urgent)
    sentiment: Sentiment = "neutral"
    if negative or shouting or threats:
        sentiment = "negative"
    else:
        positive = _found("positive", normalised, languages)
        if positive:
            sentiment = "positive"
            reasons = (*positive, *urgent)
    urgency: Urgency = "high" if urgent or threats else "normal"
    return Signals(sentiment=sentiment, urgency=urgency, reasons=reasons)

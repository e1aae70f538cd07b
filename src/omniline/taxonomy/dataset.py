"""A generated, synthetic labelled set of customer messages for the 20 demo topics in en, ru and zh.

It is not real customer data: every text is made here from hand-written templates. It exists so that
the classifier can be trained and measured before a tenant has confirmed topics of its own (the demo
loader imports it as TopicExamples with source "imported"), and so that
`omniline classify evaluate --generated` gives a reproducible figure.

How it is generated (`generate_examples(per_topic_per_language, seed)`):

1. For every topic and language there are exactly 40 hand-written templates (dataset_en.py,
   dataset_ru.py, dataset_zh.py: 20 topics x 3 languages x 40 = 2,400), worded the way customers write
   in chats, mails, messengers and voice transcripts: formal letters and angry chats, terse SMS
   ("status check: {order}", "付不了款") and long stories, with typos, without punctuation, Russian in
   several cases and (two or three per topic) in Latin transliteration, Chinese without spaces,
   colloquial and with English product words. The templates of one topic are different phrasings of
   its problem (other vocabulary and structure, not one word swapped), so a held-out template is a
   new way of saying it. Close topics share words on purpose ("where is my order" is a status question
   or a late delivery; "refund" appears in return requests and refund-status questions; "charged" in
   double and unknown charges). Every template has an id, `<topic>/<language>/<nn>` (its position in
   its list). Forty because `omniline classify evaluate --generated` makes 40 texts per topic and
   language by default, so each template gives one text there.
2. The templates of a topic and language are used in turn, each filled with slot values drawn by a
   seeded `random.Random`: order numbers in several shapes (12345, #5512, A-10423, №88123), products
   (in Russian in the case the template needs), dates, amounts, card digits, e-mail addresses, phone
   numbers, cities, streets.
3. Confusable noise: a sentence any customer may add whatever the problem ("I paid by card", "курьер
   привез в пятницу", "我用的是你们的APP") is put before or after it with probability 0.35; these carry
   words of other topics on purpose. A greeting (0.4) and a closing (0.3) may be added, then noise
   with fixed probabilities: lower case (0.35), punctuation doubled or dropped, one typo (0.25: two
   neighbouring letters swapped or one dropped), one word dropped (0.1), ASCII punctuation in Chinese.

The same arguments always give the same list, in the same order (topic, language, index).

How it is split for measuring (`split_by_template(examples, holdout, seed)`): by template, never by
sentence. For every topic and language, the ids of the templates present are shuffled with the seed and
`max(1, round(holdout * n))` of them are held out; every text made from a held-out template is a test
text, every other one a training text. A test sentence is therefore never a re-filling of a skeleton
the model was trained on, only the slot values, greetings and added sentences are shared.
With the defaults (40 texts per topic and language, a quarter held out) that is 10 of the 40
templates of every topic and language: 1,800 training texts and 600 test texts. The model may also
be taught the taxonomy's names and keywords (seed_phrases.py); nothing else is shared, and nothing
(model settings, the combination of rules and model) was tuned on held-out templates: choices were
made on a validation split of the training templates (`split_by_template` applied to the training
part again with another seed).
"""

import random
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from omniline.kernel.errors import InvalidInput
from omniline.taxonomy import dataset_en, dataset_ru, dataset_zh
from omniline.taxonomy.phrasebook import Phrasebook

LANGUAGES = ("en", "ru", "zh")
_PHRASEBOOKS: dict[str, Phrasebook] = {
    "en": dataset_en.PHRASEBOOK,
    "ru": dataset_ru.PHRASEBOOK,
    "zh": dataset_zh.PHRASEBOOK,
}
TOPIC_CODES = tuple(dataset_en.PHRASEBOOK.templates)


@dataclass(frozen=True, slots=True)
class LabelledText:
    text: str
    topic_code: str
    language: str
    template_id: str = ""  # "<topic>/<language>/<nn>": texts of one template share their skeleton


def template_id(topic_code: str, language: str, index: int) -> str:
    return f"{topic_code}/{language}/{index:02d}"


def _order(rng: random.Random) -> str:
    number = rng.randint(10000, 999999)
    return rng.choice((str(number), f"#{number}", f"A-{number}", f"№{number}", str(number)))


def _slots(book: Phrasebook, rng: random.Random) -> dict[str, str]:
    slots = {
        "order": _order(rng),
        "date": rng.choice(book.dates),
        "amount": str(rng.choice((19, 25, 49, 120, 350, 990, 1490, 2500, 12990))),
        "card": f"{rng.randint(0, 9999):04d}",
        "days": str(rng.randint(2, 14)),
        "email": rng.choice(("anna.k@mail.ru", "wang.li@qq.com", "j.smith@gmail.com", "ivan@yandex.ru")),
        "phone": rng.choice(("+7 916 123-45-67", "+86 138 0013 8000", "+44 7700 900123", "89261234567")),
        "city": rng.choice(book.cities),
        "street": rng.choice(book.streets),
    }
    # A product is a tuple of its forms; Russian needs several cases, the others one.
    forms = rng.choice(book.products)
    for name, form in zip(("product", "product_acc", "product_gen", "product_ins"), forms, strict=False):
        slots[name] = form
    return slots


def _typo(text: str, rng: random.Random) -> str:
    """Swap two neighbouring letters or drop one, inside a word of four letters or more."""
    words = text.split(" ")
    candidates = [index for index, word in enumerate(words) if len(word) >= 4 and word.isalpha()]
    if not candidates:
        return text
    index = rng.choice(candidates)
    word = words[index]
    position = rng.randrange(1, len(word) - 1)
    if rng.random() < 0.5:
        word = word[:position] + word[position + 1] + word[position] + word[position + 2 :]
    else:
        word = word[:position] + word[position + 1 :]
    words[index] = word
    return " ".join(words)


def _noise_latin_cyrillic(text: str, rng: random.Random) -> str:
    if rng.random() < 0.35:
        text = text.lower()
    if rng.random() < 0.2:
        text = text.rstrip(".!?") + rng.choice(("??", "!!", "?!", "...", "!!!"))
    elif rng.random() < 0.2:  # typed on a phone: no commas, no full stop
        text = text.replace(",", "").rstrip(".")
    if rng.random() < 0.25:
        text = _typo(text, rng)
    if rng.random() < 0.1:
        text = _drop_word(text, rng)
    return text


def _noise_chinese(text: str, rng: random.Random) -> str:
    if rng.random() < 0.3:  # typed on an English keyboard layout
        text = text.replace("，", ",").replace("？", "?").replace("！", "!")
    if rng.random() < 0.2:
        text = text.rstrip("。？?！!") + rng.choice(("？？", "啊", "呢", "！！", "...", "。。。"))
    return text


_NOISE: dict[str, Callable[[str, random.Random], str]] = {
    "en": _noise_latin_cyrillic,
    "ru": _noise_latin_cyrillic,
    "zh": _noise_chinese,
}


def _drop_word(text: str, rng: random.Random) -> str:
    words = text.split(" ")
    if len(words) < 5:
        return text
    del words[rng.randrange(1, len(words))]
    return " ".join(words)


def _compose(body: str, language: str, slots: dict[str, str], rng: random.Random) -> str:
    book = _PHRASEBOOKS[language]
    separator = "" if language == "zh" else " "
    parts = [body]
    if rng.random() < 0.35:
        context = rng.choice(book.context).format(**slots)
        if rng.random() < 0.5:
            parts.insert(0, context)
        else:
            parts.append(context)
    if rng.random() < 0.4:
        opener = rng.choice(book.openers)
        parts.insert(0, opener if language == "zh" or opener.endswith((",", "!")) else opener + ",")
    if rng.random() < 0.3:
        closer = rng.choice(book.closers)
        if language == "zh":
            parts[-1] = parts[-1] if parts[-1].endswith(("。", "？", "！", "?", "!")) else parts[-1] + "，"
            parts.append(closer)
        else:
            parts.append(closer + ".")
    return separator.join(parts)


def generate_examples(per_topic_per_language: int = 40, seed: int = 7) -> list[LabelledText]:
    """`per_topic_per_language` texts for each of the 20 demo topics in each of en, ru, zh, made as
    the module docstring says (templates in turn, so all are used once the count reaches theirs)."""
    rng = random.Random(seed)
    examples: list[LabelledText] = []
    for code in TOPIC_CODES:
        for language in LANGUAGES:
            book = _PHRASEBOOKS[language]
            templates = book.templates[code]
            for index in range(per_topic_per_language):
                number = index % len(templates)
                slots = _slots(book, rng)
                body = templates[number].format(**slots)
                text = _NOISE[language](_compose(body, language, slots, rng), rng)
                examples.append(LabelledText(text, code, language, template_id(code, language, number)))
    return examples


def split_by_template(
    examples: Sequence[LabelledText], holdout: float = 0.25, seed: int = 7
) -> tuple[list[LabelledText], list[LabelledText]]:
    """(training, test) texts, holding out whole templates per topic and language as the module
    docstring says. Raises InvalidInput for a holdout outside (0, 1) or a topic and language with
    fewer than two templates (it could not be both trained on and tested)."""
    if not 0 < holdout < 1:
        raise InvalidInput("holdout must be between 0 and 1, e.g. 0.25")
    groups: dict[tuple[str, str], set[str]] = defaultdict(set)
    for item in examples:
        groups[(item.topic_code, item.language)].add(item.template_id)
    held_out: set[str] = set()
    for (code, language), ids in sorted(groups.items()):
        if len(ids) < 2:
            raise InvalidInput(f"{code} in {language} has {len(ids)} template(s); at least 2 are needed")
        order = sorted(ids)
        # One generator per group, so the split of one topic does not depend on the others.
        random.Random(f"{seed}:{code}:{language}").shuffle(order)
        held_out.update(order[: min(len(order) - 1, max(1, round(holdout * len(order))))])
    train = [item for item in examples if item.template_id not in held_out]
    test = [item for item in examples if item.template_id in held_out]
    return train, test

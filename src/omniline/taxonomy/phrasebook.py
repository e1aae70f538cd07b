"""What the generated set (dataset.py) is made of in one language: templates per topic and fillers."""

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Phrasebook:
    """Templates use the slots {order} {product} {date} {amount} {card} {days} {email} {phone} {city}
    {street}; Russian ones also {product_acc}, {product_gen} and {product_ins} (a product's cases), so
    `products` holds tuples of forms: one form for English and Chinese, four for Russian."""

    templates: dict[str, tuple[str, ...]]  # topic code → templates, in template-id order
    context: tuple[str, ...]  # sentences any customer may add, carrying other topics' words
    openers: tuple[str, ...]
    closers: tuple[str, ...]
    products: tuple[tuple[str, ...], ...]
    dates: tuple[str, ...]
    cities: tuple[str, ...]
    streets: tuple[str, ...]


def lines(block: str) -> tuple[str, ...]:
    """One template per non-blank line, stripped."""
    return tuple(line.strip() for line in block.strip().splitlines() if line.strip())

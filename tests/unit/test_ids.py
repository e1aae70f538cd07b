"""Time-ordered identifiers: UUIDv7 (RFC 9562)."""

import itertools
import time
import uuid

from omniline.kernel.ids import new_id


def test_new_id_is_a_version_7_rfc_9562_uuid() -> None:
    value = new_id()

    assert isinstance(value, uuid.UUID)
    assert value.version == 7
    assert value.variant == uuid.RFC_4122


def test_new_id_carries_the_current_unix_milliseconds() -> None:
    before = time.time_ns() // 1_000_000
    value = new_id()
    after = time.time_ns() // 1_000_000

    # The generator may borrow a few milliseconds ahead when many ids are made within one millisecond.
    assert before <= value.int >> 80 <= after + 10


def test_new_ids_strictly_increase_over_ten_thousand_calls() -> None:
    ids = [new_id() for _ in range(10_000)]

    assert all(earlier < later for earlier, later in itertools.pairwise(ids))
    assert all(item.version == 7 for item in ids)
    assert len(set(ids)) == 10_000


def test_new_ids_sort_the_same_as_strings_and_as_numbers() -> None:
    ids = [new_id() for _ in range(1_000)]

    assert sorted(ids, key=str) == ids
    assert sorted(ids, key=lambda item: item.int) == ids

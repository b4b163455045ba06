"""Allocation guard: size parsing, limit resolution (context, environment, default) and messages."""

from __future__ import annotations

import contextvars
import threading

import pytest

from dicert.verify.errors import InvalidInput, TooLarge
from dicert.verify.memory import (
    DEFAULT_LIMIT_BYTES,
    ENV_VARIABLE,
    check_allocation,
    current_memory_limit,
    format_bytes,
    memory_limit,
    parse_size,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("8GiB", 8 * 2**30), ("8 gib", 8 * 2**30), ("512MB", 512 * 10**6), ("1.5KiB", 1536), ("100", 100), (4096, 4096)],
)
def test_parse_size_understands_units(text, expected):
    assert parse_size(text) == expected


@pytest.mark.parametrize("text", ["lots", "8 parsecs", "-1", -5, True, float("nan")])
def test_parse_size_rejects_nonsense_with_the_field_name(text):
    with pytest.raises(InvalidInput, match=r"^limit: expected"):
        parse_size(text)


def test_default_limit_is_4_gib(monkeypatch):
    monkeypatch.delenv(ENV_VARIABLE, raising=False)
    assert current_memory_limit() == DEFAULT_LIMIT_BYTES == 4 * 2**30


def test_environment_variable_sets_the_limit(monkeypatch):
    monkeypatch.setenv(ENV_VARIABLE, "8GiB")
    assert current_memory_limit() == 8 * 2**30
    monkeypatch.setenv(ENV_VARIABLE, "a lot")
    with pytest.raises(InvalidInput, match=rf"^{ENV_VARIABLE}: expected a size"):
        current_memory_limit()


def test_context_manager_overrides_the_environment_and_nests(monkeypatch):
    monkeypatch.setenv(ENV_VARIABLE, "8GiB")
    with memory_limit("1GiB"):
        assert current_memory_limit() == 2**30
        with memory_limit(1000):
            assert current_memory_limit() == 1000
        assert current_memory_limit() == 2**30
    assert current_memory_limit() == 8 * 2**30


def test_context_limit_is_local_to_its_thread(monkeypatch):
    monkeypatch.delenv(ENV_VARIABLE, raising=False)
    seen: list[int] = []
    with memory_limit("1MiB"):
        worker = threading.Thread(target=lambda: seen.append(current_memory_limit()))
        worker.start()
        worker.join()
        copied = contextvars.copy_context().run(current_memory_limit)
    assert seen == [DEFAULT_LIMIT_BYTES]
    assert copied == 2**20


def test_check_allocation_message_states_size_limit_and_remedy():
    with memory_limit("4GiB"):
        assert check_allocation((2,) * 20, 8, "joint pmf") == 8 * 2**20
        with pytest.raises(TooLarge) as error:
            check_allocation((2,) * 32, 8, "joint pmf P(x^16, y^16)")
    message = str(error.value)
    assert message.startswith("joint pmf P(x^16, y^16): needs 32 GiB")
    assert "memory limit of 4 GiB" in message
    assert "smaller n" in message and ENV_VARIABLE in message and "memory_limit" in message
    assert "\n" not in message


def test_check_allocation_accepts_a_cell_count():
    with memory_limit(100):
        assert check_allocation(12, 8, "table") == 96
        with pytest.raises(TooLarge, match=r"^table: needs 104 B \(13 cells"):
            check_allocation(13, 8, "table")


def test_format_bytes():
    assert format_bytes(512) == "512 B"
    assert format_bytes(1.5 * 2**30) == "1.50 GiB"

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from process_report.chunks import encoded, joined, utf8_size


@given(st.lists(st.text(max_size=40), max_size=200), st.integers(min_value=1, max_value=64))
def test_joined_chunks_give_back_the_text_in_order_each_at_most_a_part_over_size(parts, size):
    chunks = list(joined(parts, size))
    assert "".join(chunks) == "".join(parts)
    longest_part = max(map(len, parts), default=0)
    assert all(len(chunk) < size + longest_part for chunk in chunks)


@given(st.text(), st.integers(min_value=1, max_value=16))
def test_utf8_size_and_encoded_chunks_agree_with_encoding_the_whole_text(text, size):
    assert utf8_size(text, size) == len(text.encode())
    assert b"".join(encoded(text, size)) == text.encode()

"""`make bench-redact`'s driver on small inputs: it times every redactor on every text
and the registration of client API keys with Airflow's real secrets masker."""

from __future__ import annotations

from dev.bench_redact import build_text, masking, measure
from process_report.redact import Redactor


def test_driver_times_redaction_of_each_text_for_each_redactor():
    text = build_text(200_000, 200)
    figures = measure(text, {"current": Redactor(["client-key-000000000001"])})
    assert figures["current"]["mb"] == 0.2
    assert figures["current"]["redact_s"] > 0
    assert figures["current"]["redact_stream_s"] > 0


def test_driver_times_bulk_and_one_by_one_masking_of_client_keys():
    figures = masking(masked_keys=50, per_key=5)
    assert set(figures) == {
        "add_masks_50_keys_s",
        "add_mask_one_by_one_5_keys_s",
        "mask_one_line_among_50_keys_ms",
    }

"""The tasks' shared readings: a missing settings variable fails unretried; client API
keys are registered with Airflow's secrets masker in one step; the extracts' text is
masked as Airflow's masker would."""

from __future__ import annotations

import pytest
from airflow.sdk.exceptions import AirflowFailException

from process_report.tasks import common as task
from process_report.tasks.common import add_masks, text_masker


def test_missing_settings_variable_fails_without_retry(monkeypatch):
    monkeypatch.delenv("AIRFLOW_VAR_PROCESS_REPORT_SETTINGS", raising=False)
    with pytest.raises(AirflowFailException, match="is not set"):
        task.load_settings()


def fresh_masker():
    from airflow.sdk._shared.secrets_masker.secrets_masker import SecretsMasker

    return SecretsMasker()


def test_add_masks_registers_thousands_of_keys_in_one_step_and_masks_each():
    masker = fresh_masker()
    keys = [f"client-key-{n:06d}-{'x' * (n % 7)}" for n in range(3000)]
    add_masks(masker, keys)
    assert len(masker.patterns) == 3000
    for key in (keys[0], keys[1234], keys[-1]):
        assert key not in masker.redact(f"listing folder Videos/{key}/ failed")


def test_add_masks_keeps_airflows_rules_and_masks_the_longest_key_whole():
    masker = fresh_masker()
    add_masks(masker, ["abc", "airflow", "client-key-1", "client-key-12345"])
    assert masker.redact("abc airflow client-key-12345 client-key-1.") == ("abc airflow *** ***.")


def test_add_masks_adds_to_secrets_already_registered_one_by_one():
    masker = fresh_masker()
    masker.add_mask("connection-password-1")
    add_masks(masker, ["client-key-000001"])
    assert masker.redact("connection-password-1 client-key-000001") == "*** ***"


def test_a_masker_that_adapts_secrets_gets_them_one_by_one_with_their_adaptations():
    masker = fresh_masker()
    masker.secret_mask_adapter = lambda secret: secret.upper()
    add_masks(masker, ["client-key-000001"])
    assert masker.redact("CLIENT-KEY-000001 client-key-000001") == "*** ***"


def test_a_masker_that_ignores_the_bulk_state_still_gets_every_key():
    """Should a later Airflow keep its secrets elsewhere than `patterns`, the keys are
    added one by one through its own add_mask."""
    from airflow.sdk._shared.secrets_masker.secrets_masker import SecretsMasker

    class LaterMasker(SecretsMasker):
        def add_mask(self, secret, name=None):
            self.kept = [*getattr(self, "kept", []), secret]

        def redact(self, item, name=None, **kwargs):
            for secret in getattr(self, "kept", []):
                item = item.replace(secret, "***")
            return item

    masker = LaterMasker()
    add_masks(masker, ["client-key-000001", "client-key-000002"])
    assert masker.redact("a client-key-000001 b client-key-000002") == "a *** b ***"


TEXTS = [
    "no secret in this line\n" * 100,
    "a pa|ss.wo\\rd*x b\n",
    "db at redis://redis:6379/0 and again redis://redis:6379/0\n",
    "",
]


def test_text_masker_gives_the_maskers_text_with_and_without_its_secrets():
    masker = fresh_masker()
    add_masks(masker, ["pa|ss.wo\\rd*x", "redis://redis:6379/0"])
    masked = text_masker(masker)
    assert [masked(text) for text in TEXTS] == [masker.redact(text) for text in TEXTS]
    assert "***" in masked(TEXTS[1])


@pytest.mark.parametrize("secrets", [[], [f"client-key-{n:06d}" for n in range(100)]])
def test_text_masker_asks_the_masker_without_plain_secrets_or_with_too_many(secrets):
    masker = fresh_masker()
    add_masks(masker, secrets)
    asked = []
    masker.redact = lambda text: asked.append(text) or text
    masked = text_masker(masker)
    assert [masked(text) for text in TEXTS] == TEXTS
    assert asked == TEXTS


def test_text_masker_asks_the_masker_whose_regex_is_not_an_alternation_of_secrets():
    import re

    masker = fresh_masker()
    masker.replacer = re.compile(r"client-key-\d+")
    assert text_masker(masker)("uses client-key-42 now") == "uses *** now"

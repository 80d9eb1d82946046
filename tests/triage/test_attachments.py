"""A photo or voice message is never just filed: the caption is read, or the patient asked."""

from __future__ import annotations

from care.domain.triage import Tier
from care.domain.triage.attachments import QUESTION, read_attachment, stored_text


def test_a_wordless_photo_asks_the_patient_what_worries_them() -> None:
    result = read_attachment("photo", "")
    assert (result.tier, result.flags, result.question) == (Tier.ASK, (), QUESTION)
    assert result.evidence == ("[photo]",)


def test_a_benign_caption_still_asks() -> None:
    assert read_attachment("photo", "수술 부위 사진이에요").tier is Tier.ASK


def test_a_caption_with_a_warning_sign_is_read_like_any_message() -> None:
    wound = read_attachment("photo", "상처에서 고름이 나와요")
    assert (wound.tier, wound.flags) == (Tier.AMBER, (4,))  # CLINICAL.md row 4
    assert read_attachment("voice", "어제부터 소변이 안 나와요").tier is Tier.RED  # row 1


def test_the_inbox_keeps_the_kind_and_the_caption() -> None:
    assert stored_text("voice", "") == "[voice]"
    assert stored_text("photo", "상처 사진") == "[photo] 상처 사진"

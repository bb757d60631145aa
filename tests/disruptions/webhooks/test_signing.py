"""Standard Webhooks signing: the published test vector, secrets, and several signatures during a rotation."""

from __future__ import annotations

import base64

import pytest

from apps.disruptions.webhooks import signing

# The test vector of the Standard Webhooks specification (and of its reference libraries).
VECTOR_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
VECTOR_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
VECTOR_TIMESTAMP = 1614265330
VECTOR_BODY = b'{"test": 2432232314}'
VECTOR_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def test_the_specifications_vector_is_reproduced():
    assert (
        signing.signature(VECTOR_SECRET, message_id=VECTOR_ID, timestamp=VECTOR_TIMESTAMP, body=VECTOR_BODY)
        == VECTOR_SIGNATURE
    )


def test_headers_name_the_message_its_time_and_its_signature():
    assert signing.headers([VECTOR_SECRET], message_id=VECTOR_ID, timestamp=VECTOR_TIMESTAMP, body=VECTOR_BODY) == {
        "webhook-id": VECTOR_ID,
        "webhook-timestamp": "1614265330",
        "webhook-signature": VECTOR_SIGNATURE,
    }


def test_during_a_rotation_each_secret_signs_and_the_signatures_are_space_separated():
    new = signing.secret_generate()
    header = signing.headers([new, VECTOR_SECRET], message_id=VECTOR_ID, timestamp=VECTOR_TIMESTAMP, body=VECTOR_BODY)
    first, second = header["webhook-signature"].split(" ")
    assert first == signing.signature(new, message_id=VECTOR_ID, timestamp=VECTOR_TIMESTAMP, body=VECTOR_BODY)
    assert second == VECTOR_SIGNATURE


def test_a_changed_body_or_timestamp_changes_the_signature():
    signatures = {
        signing.signature(VECTOR_SECRET, message_id=VECTOR_ID, timestamp=timestamp, body=body)
        for timestamp, body in ((VECTOR_TIMESTAMP, VECTOR_BODY), (VECTOR_TIMESTAMP + 1, VECTOR_BODY), (0, b"{}"))
    }
    assert len(signatures) == 3


def test_secrets_are_whsec_and_32_random_bytes():
    secrets = {signing.secret_generate() for _ in range(20)}
    assert len(secrets) == 20
    for secret in secrets:
        assert secret.startswith("whsec_")
        assert len(base64.b64decode(secret.removeprefix("whsec_"), validate=True)) == 32


def test_a_secret_that_is_not_base64_is_refused():
    with pytest.raises(ValueError, match="base64"):
        signing.signature("whsec_not*base64", message_id="msg_1", timestamp=1, body=b"{}")

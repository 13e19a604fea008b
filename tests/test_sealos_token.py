"""The Sealos app JWT and kubeconfig checks (SPEC §4.2 step 3), without a database."""

import base64
import json
import time

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from hypothesis import given, settings
from hypothesis import strategies as st

from fullstack_agent.services.sealos_auth import (
    REQUIRED_CLAIMS, SealosSignInError, kubeconfig_namespace, verify_token,
)
from tests.support.sealos import JWT_SECRET, claims_for, kubeconfig_for, make_token


def _code(token, secret=JWT_SECRET) -> str:
    with pytest.raises(SealosSignInError) as raised:
        verify_token(token, secret)
    return raised.value.code


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unsigned(header: dict, payload: dict, signature: str = "") -> str:
    return f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(payload).encode())}.{signature}"


def test_a_good_token_gives_the_claims():
    claims = verify_token(make_token("u1"), JWT_SECRET)
    assert claims.user_id == "u1" and claims.workspace_id == "ns-u1"


def test_expired_and_missing_exp_are_expired():
    assert _code(make_token("u1", exp=int(time.time()) - 1)) == "SealosTokenExpired"
    assert _code(make_token("u1", exp=None)) == "SealosTokenExpired"


def test_expiry_is_checked_before_the_signature():
    assert _code(make_token("u1", secret="another-secret-that-is-also-long-enough-for-any-hmac-algorithm!", exp=int(time.time()) - 60)) == "SealosTokenExpired"


def test_wrong_secret_is_invalid():
    assert _code(make_token("u1", secret="another-secret-that-is-also-long-enough-for-any-hmac-algorithm!")) == "SealosTokenInvalid"


def test_alg_none_is_invalid():
    token = _unsigned({"alg": "none", "typ": "JWT"}, claims_for("u1"))
    assert _code(token) == "SealosTokenInvalid"


def test_other_hmac_algorithms_are_invalid():
    assert _code(make_token("u1", algorithm="HS512")) == "SealosTokenInvalid"
    assert _code(make_token("u1", algorithm="HS384")) == "SealosTokenInvalid"


def test_rs256_is_invalid_even_with_the_public_key_as_secret():
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    token = jwt.encode(claims_for("u1"), key, algorithm="RS256")
    assert _code(token) == "SealosTokenInvalid"


def test_an_hs256_header_over_a_forged_signature_is_invalid():
    good = make_token("u1").split(".")
    forged = _unsigned({"alg": "HS256", "typ": "JWT"}, claims_for("u2"), good[2])
    assert _code(forged) == "SealosTokenInvalid"


@pytest.mark.parametrize("claim", REQUIRED_CLAIMS)
@pytest.mark.parametrize("bad_value", [None, 42, ["u1"], {"id": "u1"}, "", True])
def test_each_required_claim_missing_or_not_a_string_is_invalid(claim, bad_value):
    error_code = _code(make_token("u1", **{claim: bad_value}))
    assert error_code == "SealosTokenInvalid"


@pytest.mark.parametrize("exp", ["tomorrow", True, [1], {"at": 1}])
def test_a_non_numeric_expiry_is_invalid(exp):
    assert _code(make_token("u1", exp=exp)) == "SealosTokenInvalid"


@pytest.mark.parametrize("garbage", [
    "", "garbage", "a.b.c", "a.b", "....", "eyJhbGciOiJIUzI1NiJ9.e30.", "x" * 9000, None, 42, b"bytes",
    _unsigned({"alg": "HS256"}, []), "\u00e9\u00e9.\u00e9.\u00e9",
])
def test_garbage_is_refused_with_our_error(garbage):
    assert _code(garbage) in ("SealosTokenInvalid", "SealosTokenExpired")


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=300), st.binary(max_size=300).map(lambda b: b.decode("latin-1")),
                 st.lists(st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_",
                                  max_size=80), min_size=1, max_size=5).map(".".join)))
def test_arbitrary_strings_never_raise_anything_but_our_error(text):
    with pytest.raises(SealosSignInError):
        verify_token(text, JWT_SECRET)


_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=10), children, max_size=3),
    max_leaves=10,
)


@settings(max_examples=300, deadline=None)
@given(header=st.dictionaries(st.sampled_from(["alg", "typ", "kid", "crit", "x"]), _json_values, max_size=4),
       payload=st.one_of(_json_values, st.dictionaries(
           st.sampled_from([*REQUIRED_CLAIMS, "exp", "iat", "nbf", "aud"]), _json_values, max_size=10)),
       signature=st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-_", max_size=60))
def test_arbitrary_json_tokens_never_raise_anything_but_our_error(header, payload, signature):
    token = _unsigned(header, payload, signature)
    with pytest.raises(SealosSignInError):
        verify_token(token, JWT_SECRET)


@settings(max_examples=200, deadline=None)
@given(overrides=st.dictionaries(st.sampled_from([*REQUIRED_CLAIMS, "exp", "iat", "nbf"]), _json_values, max_size=4))
def test_signed_tokens_with_arbitrary_claims_pass_or_fail_with_our_error(overrides):
    token = make_token("u1", **overrides)
    try:
        claims = verify_token(token, JWT_SECRET)
    except SealosSignInError:
        return
    assert isinstance(claims.user_id, str) and claims.user_id


def test_kubeconfig_gives_the_current_namespace():
    assert kubeconfig_namespace(kubeconfig_for("u1")) == "ns-u1"


@pytest.mark.parametrize("text", [
    None, "", "   ", "{not: yaml: at: all", "- a\n- list", "just a string",
    kubeconfig_for("u1").replace("current-context: ns-u1@sealos", "current-context: other"),
    kubeconfig_for("u1").replace("    namespace: ns-u1\n", ""),
    "x" * 300_000,
    "a: 2001-13-01",
    kubeconfig_for("u1").replace("user:\n    token:", "user:\n    exec: {command: sh}\n    token:"),
])
def test_bad_kubeconfigs_are_refused(text):
    with pytest.raises(SealosSignInError) as raised:
        kubeconfig_namespace(text)
    assert raised.value.code == "SealosKubeconfigInvalid"
    assert "kube-token" not in raised.value.message


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=400))
def test_arbitrary_kubeconfig_text_never_raises_anything_but_our_error(text):
    try:
        assert kubeconfig_namespace(text)
    except SealosSignInError as error:
        assert error.code == "SealosKubeconfigInvalid"

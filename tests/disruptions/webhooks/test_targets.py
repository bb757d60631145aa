"""Where a webhook may point: http(s), no credentials, and every resolved address public unless allowed."""

from __future__ import annotations

import socket

import pytest

from apps.disruptions.webhooks import targets
from apps.disruptions.webhooks.targets import TargetRefused, target_check

PUBLIC = "93.184.215.14"


def check(url: str, *, require_https: bool = False, allow_private: bool = False) -> targets.Target:
    return target_check(url, require_https=require_https, allow_private=allow_private)


@pytest.fixture
def dns(monkeypatch):
    """Names resolve to the addresses a test gives, without asking a resolver."""
    answers: dict[str, list[str]] = {}

    def getaddrinfo(host, port, type=0):  # socket.getaddrinfo's own keyword
        if host not in answers:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port)) for address in answers[host]]

    monkeypatch.setattr(targets.socket, "getaddrinfo", getaddrinfo)
    return answers


def test_a_public_address_is_a_target_with_its_path_and_query():
    target = check(f"https://{PUBLIC}:8443/hooks/corridor?partner=alpha#ignored")
    assert target == targets.Target(
        scheme="https", host=PUBLIC, port=8443, path="/hooks/corridor?partner=alpha", addresses=(PUBLIC,)
    )
    assert check(f"http://{PUBLIC}").path == "/"
    assert check(f"http://{PUBLIC}").port == 80


@pytest.mark.parametrize(
    ("host", "kind"),
    [
        ("127.0.0.1", "loopback"),
        ("[::1]", "loopback"),
        ("[::ffff:127.0.0.1]", "loopback"),
        ("10.1.2.3", "private"),
        ("172.16.0.1", "private"),
        ("192.168.1.10", "private"),
        ("[fd00::1]", "private"),
        ("169.254.169.254", "link-local"),
        ("[fe80::1]", "link-local"),
        ("0.0.0.0", "unspecified"),  # noqa: S104 - the address under test, nothing binds to it
        ("224.0.0.1", "multicast"),
        ("100.64.0.1", "reserved"),
    ],
)
def test_non_public_addresses_are_refused_naming_what_they_are(host, kind):
    with pytest.raises(TargetRefused, match=f"a {kind} address; webhooks go to public addresses only"):
        check(f"https://{host}/hook")


def test_every_address_a_name_resolves_to_is_checked(dns):
    dns["hooks.example.com"] = [PUBLIC, "10.0.0.7"]
    with pytest.raises(TargetRefused, match=r"hooks.example.com resolves to 10.0.0.7, a private address"):
        check("https://hooks.example.com/in")
    dns["hooks.example.com"] = [PUBLIC]
    assert check("https://hooks.example.com/in").addresses == (PUBLIC,)


def test_a_name_that_does_not_resolve_is_refused(dns):
    with pytest.raises(TargetRefused, match="does not resolve"):
        check("https://nowhere.invalid/hook")


def test_private_addresses_are_allowed_when_the_setting_says_so():
    assert check("http://127.0.0.1:9000/hook", allow_private=True).addresses == ("127.0.0.1",)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://93.184.215.14/hook", "Give an https://"),
        ("javascript:alert(1)", "Give an https://"),
        ("93.184.215.14/hook", "Give an https://"),
        ("https:///hook", "no host"),
        ("https://user:pass@93.184.215.14/hook", "no credentials"),
        ("https://93.184.215.14:99999/hook", "not a valid URL"),
    ],
)
def test_malformed_urls_are_refused(url, message):
    with pytest.raises(TargetRefused, match=message):
        check(url)


def test_production_requires_https():
    with pytest.raises(TargetRefused, match="must use https:// in production"):
        check(f"http://{PUBLIC}/hook", require_https=True)
    assert check(f"https://{PUBLIC}/hook", require_https=True).scheme == "https"

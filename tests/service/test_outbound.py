"""Outbound URL checks: every internal form refused, public targets kept, no network used."""

from __future__ import annotations

from ipaddress import ip_address

import pytest

from scheduler.errors import RefusedTargetError
from scheduler.service._outbound import check_outbound_url, resolve_outbound_url

# Each URL and a part of the reason it is refused for (no lookup needed).
REFUSED = [
    ("http://93.184.216.34/hook", "http is not https"),
    ("ftp://93.184.216.34/hook", "ftp is not https"),
    ("file:///etc/passwd", "file is not https"),
    ("gopher://93.184.216.34:70/_x", "gopher is not https"),
    ("https://user:pass@93.184.216.34/hook", "leave user name and password out"),
    ("https://user@93.184.216.34/hook", "leave user name and password out"),
    ("https://:443/hook", "no host"),
    ("https://127.0.0.1/hook", "127.0.0.1 is a loopback address"),
    ("https://127.9.9.9/hook", "127.9.9.9 is a loopback address"),
    ("https://169.254.169.254/latest/meta-data/", "169.254.169.254 is a link-local address"),
    ("https://metadata.google.internal/computeMetadata/v1/", "is a cloud metadata host"),
    ("https://metadata/computeMetadata/v1/", "metadata is a cloud metadata host"),
    ("https://instance-data/latest/", "instance-data is a cloud metadata host"),
    ("https://instance-data.ec2.internal/", "is a cloud metadata host"),
    ("https://METADATA.GOOGLE.INTERNAL./", "is a cloud metadata host"),
    ("https://vault.internal/", "vault.internal is an internal name"),
    ("https://printer.local/", "printer.local is an internal name"),
    ("https://localhost/hook", "localhost is an internal name"),
    ("https://app.localhost/hook", "app.localhost is an internal name"),
    ("https://intranet/hook", "intranet is a single-label name"),
    ("https://10.0.0.5/hook", "10.0.0.5 is a private address"),
    ("https://172.16.0.1/hook", "172.16.0.1 is a private address"),
    ("https://172.31.255.254/hook", "172.31.255.254 is a private address"),
    ("https://192.168.1.1/hook", "192.168.1.1 is a private address"),
    ("https://100.64.0.1/hook", "100.64.0.1 is not a public address"),
    ("https://100.127.255.254/hook", "100.127.255.254 is not a public address"),
    ("https://0.0.0.0/hook", "0.0.0.0 is an unspecified address"),
    ("https://0/hook", "0 (0.0.0.0) is an unspecified address"),
    ("https://224.0.0.1/hook", "224.0.0.1 is a multicast address"),
    ("https://240.0.0.1/hook", "is a private address"),
    ("https://255.255.255.255/hook", "is a private address"),
    ("https://192.0.2.10/hook", "192.0.2.10 is a private address"),
    ("https://[::1]/hook", "::1 is a loopback address"),
    ("https://[::]/hook", "is an unspecified address"),
    ("https://[fc00::1]/hook", "fc00::1 is a private address"),
    ("https://[fd12:3456:789a::1]/hook", "is a private address"),
    ("https://[fe80::1]/hook", "fe80::1 is a link-local address"),
    ("https://[fe80::1%25eth0]/hook", "is a link-local address"),
    ("https://[fec0::1]/hook", "fec0::1 is a site-local address"),
    ("https://[ff02::1]/hook", "is a multicast address"),
    ("https://[::ffff:127.0.0.1]/hook", "is a loopback address"),
    ("https://[::ffff:10.0.0.5]/hook", "is a private address"),
    ("https://[::ffff:169.254.169.254]/hook", "is a link-local address"),
    ("https://[::127.0.0.1]/hook", "is a reserved address"),
    ("https://[2002:7f00:1::]/hook", "inside 127.0.0.1, a loopback address"),
    ("https://[64:ff9b::a9fe:a9fe]/hook", "inside 169.254.169.254, a link-local address"),
    ("https://[2001:db8::1]/hook", "is a private address"),
    ("https://2130706433/hook", "2130706433 (127.0.0.1) is a loopback address"),
    ("https://0x7f000001/hook", "0x7f000001 (127.0.0.1) is a loopback address"),
    ("https://0177.0.0.1/hook", "0177.0.0.1 (127.0.0.1) is a loopback address"),
    ("https://0x7f.0.0.1/hook", "(127.0.0.1) is a loopback address"),
    ("https://127.1/hook", "127.1 (127.0.0.1) is a loopback address"),
    ("https://127.0.1/hook", "127.0.1 (127.0.0.1) is a loopback address"),
    ("https://0xa9fea9fe/hook", "(169.254.169.254) is a link-local address"),
    ("https://167772165/hook", "167772165 (10.0.0.5) is a private address"),
    ("https://012.0.0.5/hook", "012.0.0.5 (10.0.0.5) is a private address"),
    ("https://127.0.0.1./hook", "127.0.0.1 is a loopback address"),
    ("https://\uff11\uff12\uff17.0.0.1/hook", "127.0.0.1 is a loopback address"),
    ("https://08.0.0.1/hook", "08.0.0.1 is not an IPv4 address"),
    ("https://1.2.3.4.5/hook", "1.2.3.4.5 is not an IPv4 address"),
    ("https://%31%32%37.0.0.1/hook", "is not a host name"),
    ("https://a..example.com/hook", "is not a host name"),
    ("https://[not-an-ip]/hook", "not a valid URL"),
    ("https://93.184.216.34:0/hook", "port 0 is not 1 to 65535"),
    ("https://93.184.216.34:99999/hook", "not a valid URL"),
]

# Public targets: literal addresses need no lookup.
ACCEPTED = [
    ("https://93.184.216.34/hooks/scheduler", "93.184.216.34", "93.184.216.34", 443),
    ("HTTPS://93.184.216.34:8443/h?x=1#frag", "93.184.216.34", "93.184.216.34:8443", 8443),
    ("https://1.1.1.1/", "1.1.1.1", "1.1.1.1", 443),
    ("https://0x5db8d822/hook", "93.184.216.34", "93.184.216.34", 443),
    ("https://[2606:4700:4700::1111]/hook", "2606:4700:4700::1111", "[2606:4700:4700::1111]", 443),
    ("https://[::ffff:93.184.216.34]/hook", "::ffff:5db8:d822", "[::ffff:5db8:d822]", 443),
    ("https://[64:ff9b::5db8:d822]/hook", "64:ff9b::5db8:d822", "[64:ff9b::5db8:d822]", 443),
]


@pytest.mark.parametrize(("url", "why"), REFUSED)
def test_an_internal_or_malformed_target_is_refused_saying_why(url, why):
    """Each bad form (scheme, credentials, metadata name, internal or odd address) is refused."""
    with pytest.raises(RefusedTargetError) as refused:
        check_outbound_url(url, allow_loopback=False)
    message = str(refused.value)
    assert message.startswith("URL must be https and reach a public address; "), message
    assert why in message, message


def passes_with_loopback(url: str, why: str) -> bool:
    """Whether the loopback setting lets a refused case through: plain http or loopback."""
    return (
        url.startswith("http://")
        or why.endswith("is a loopback address")
        or why == "localhost is an internal name"
    )


@pytest.mark.parametrize(("url", "why"), REFUSED)
def test_the_loopback_setting_lets_through_only_http_and_loopback(url, why):
    """With allow_loopback, plain http and loopback forms pass; every other refusal stands."""
    if passes_with_loopback(url, why):
        checked = check_outbound_url(url, allow_loopback=True)
        assert checked.host == "localhost" or checked.addresses
    else:
        with pytest.raises(RefusedTargetError):
            check_outbound_url(url, allow_loopback=True)


@pytest.mark.parametrize(("url", "address", "host_header", "port"), ACCEPTED)
def test_a_public_address_is_accepted_and_pinned(url, address, host_header, port):
    """A public literal passes as is: its address is the one to connect to, fragment dropped."""
    checked = check_outbound_url(url, allow_loopback=False)
    assert checked.addresses == (ip_address(address),)
    assert (checked.host_header, checked.port, checked.is_name) == (host_header, port, False)
    assert "#" not in checked.pinned_url()


def test_categories_tell_scheme_url_and_address_refusals_apart():
    """The category is a fixed phrase for the delivery log: not https, bad URL, internal."""
    for url, category in (
        ("http://93.184.216.34/", "not https"),
        ("https://u:p@93.184.216.34/", "bad URL"),
        ("https://10.0.0.5/", "internal address"),
        ("https://metadata/", "internal address"),
    ):
        with pytest.raises(RefusedTargetError) as refused:
            check_outbound_url(url, allow_loopback=False)
        assert refused.value.category == category


def test_a_name_is_checked_on_every_address_it_resolves_to():
    """One internal address among public ones refuses the name; all public ones pass."""
    names = {
        "hooks.example.com": ["93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946"],
        "mixed.example.com": ["93.184.216.34", "10.0.0.5"],
        "sneaky.example.com": ["2606:2800:220:1:248:1893:25c8:1946", "fe80::1%eth0"],
        "rebound.example.com": ["127.0.0.1"],
    }

    def resolve(host: str) -> list[str]:
        return names[host]

    target = resolve_outbound_url(
        "https://hooks.example.com/h", allow_loopback=False, resolve=resolve
    )
    assert target.is_name and target.host_header == "hooks.example.com"
    assert target.pinned_url() == "https://93.184.216.34:443/h"
    assert len(target.addresses) == 2
    for host, why in (
        ("mixed.example.com", "resolves to 10.0.0.5, a private address"),
        ("sneaky.example.com", "resolves to fe80::1, a link-local address"),
        ("rebound.example.com", "resolves to 127.0.0.1, a loopback address"),
    ):
        with pytest.raises(RefusedTargetError, match=why) as refused:
            resolve_outbound_url(f"https://{host}/h", allow_loopback=False, resolve=resolve)
        assert refused.value.category == "internal address"


def test_a_name_that_does_not_resolve_is_refused():
    """No address (or a resolver error) refuses the name with category 'does not resolve'."""

    def fails(host: str) -> list[str]:
        raise OSError("Name or service not known")

    for resolve in (lambda host: [], fails):
        with pytest.raises(RefusedTargetError, match=r"gone\.example\.com does not resolve") as no:
            resolve_outbound_url("https://gone.example.com/", allow_loopback=False, resolve=resolve)
        assert no.value.category == "does not resolve"


def test_localhost_resolves_locally_to_loopback_and_passes_only_with_the_setting():
    """The system resolver maps localhost to loopback: refused unless allow_loopback is on."""
    with pytest.raises(RefusedTargetError, match="localhost is an internal name"):
        resolve_outbound_url("https://localhost:8443/h", allow_loopback=False)
    target = resolve_outbound_url("http://localhost:8443/h", allow_loopback=True)
    assert all(address.is_loopback for address in target.addresses)
    assert target.host_header == "localhost:8443"

"""ALLOWED_HOSTS and CORS_ORIGINS as read from the environment, and which hosts the service answers."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from config import DEFAULT_ALLOWED_HOSTS, Settings


def test_allowed_hosts_default_and_empty_mean_the_loopback_names(monkeypatch: pytest.MonkeyPatch) -> None:
    assert Settings(_env_file=None).served_hosts == ["localhost", "127.0.0.1", "[::1]"]
    monkeypatch.setenv("ALLOWED_HOSTS", " ")
    assert Settings(_env_file=None).allowed_hosts == list(DEFAULT_ALLOWED_HOSTS)


def test_allowed_hosts_are_read_comma_separated_in_host_header_form(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALLOWED_HOSTS", "Fable-Box.LAN., 192.168.1.20, ::1, [0:0::1], *.Home.Arpa, *")
    hosts = Settings(_env_file=None).allowed_hosts
    assert hosts == ["fable-box.lan", "192.168.1.20", "[::1]", "[::1]", "*.home.arpa", "*"]


@pytest.mark.parametrize("value", ["localhost:8000", "http://fable.lan", "fable.lan/x", "a*.lan", "*.*.lan", "[::1"])
def test_a_host_with_a_port_scheme_or_odd_wildcard_is_refused(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("ALLOWED_HOSTS", value)
    with pytest.raises(ValidationError, match="allowed_hosts"):
        Settings(_env_file=None)


@pytest.mark.parametrize(
    ("host", "added"),
    [("fable-box.local", "fable-box.local"), ("192.168.1.20", "192.168.1.20"), ("fe80::1", "[fe80::1]")],
)
def test_host_naming_one_host_is_served_too(host: str, added: str) -> None:
    settings = Settings(_env_file=None, host=host, allowed_hosts="127.0.0.1")
    assert settings.served_hosts == ["127.0.0.1", "[::1]", added]


def test_loopback_addresses_are_served_whatever_allowed_hosts_lists() -> None:
    settings = Settings(_env_file=None, host="0.0.0.0", allowed_hosts="fable-box.lan")
    assert settings.served_hosts == ["fable-box.lan", "127.0.0.1", "[::1]"]


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "localhost", "::1"])
def test_any_interface_or_a_listed_name_adds_nothing(host: str) -> None:
    assert Settings(_env_file=None, host=host).served_hosts == list(DEFAULT_ALLOWED_HOSTS)


def test_cors_origins_are_kept_in_origin_form(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CORS_ORIGINS", "HTTP://App.Example:3000/, https://b.example")
    assert Settings(_env_file=None).cors_origins == ["http://app.example:3000", "https://b.example"]

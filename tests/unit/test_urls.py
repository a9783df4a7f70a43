"""URLs in messages lose their user info, read as urllib reads the URL it requests."""

from __future__ import annotations

import urllib.parse

import pytest
from hypothesis import given
from hypothesis import strategies as st

from agentctl.urls import without_credentials, without_userinfo


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://user:pass@127.0.0.1:8443/p", "https://127.0.0.1:8443/p"),
        ("https://user@host/p", "https://host/p"),
        ("https://:pw@host", "https://host"),
        ("https://127.0.0.1:1", "https://127.0.0.1:1"),
        ("http://u:p@[::1]:16686/x", "http://[::1]:16686/x"),
        ("http://[::1]:16686/x", "http://[::1]:16686/x"),
        ("http://u:p%40x@host/", "http://host/"),
        # a raw @ in the password: the user info ends at the authority's last @
        ("http://reader:pa@ss-w0rd@host/p", "http://host/p"),
        ("http://u p@host/", "http://host/"),
        # an @ after the authority is not user info
        ("http://host/a@b", "http://host/a@b"),
        ("http://host/p?x=a@b", "http://host/p?x=a@b"),
        ("http://host?x=a@b", "http://host?x=a@b"),
        ("http://host#a@b", "http://host#a@b"),
        ("http://u:p@host/p?token=t#f", "http://host/p?token=t#f"),
        # without a scheme the text starts with the authority
        ("user:pass@host:16686/p", "host:16686/p"),
        ("host:8080", "host:8080"),
        ("not a url", "not a url"),
        ("", ""),
    ],
)
def test_user_info_is_dropped(url: str, shown: str) -> None:
    assert without_userinfo(url) == shown


_part = st.text(alphabet=st.characters(codec="ascii", exclude_characters="/?#\\[]"), max_size=12)


@given(user=_part, host=st.sampled_from(["h", "127.0.0.1", "[::1]", "h:8"]), tail=_part)
def test_what_is_shown_is_the_host_urllib_requests(user: str, host: str, tail: str) -> None:
    url = f"https://{user}@{host}/{tail}"
    shown = without_userinfo(url)
    wanted = urllib.parse.urlsplit(url)
    got = urllib.parse.urlsplit(shown)
    assert got.username is None and got.password is None
    assert (got.hostname, got.port, got.path) == (wanted.hostname, wanted.port, wanted.path)


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://u:p@host:8443/p?token=t#frag", "https://host:8443/p"),
        ("http://host/stolen?sig=s3cr3t", "http://host/stolen"),
        ("http://h", "http://h"),
        ("http://u:p@ss@h/x#y", "http://h/x"),
    ],
)
def test_a_server_url_is_shown_without_credentials_query_or_fragment(url: str, shown: str) -> None:
    assert without_credentials(url) == shown

"""URLs as messages show them, and credentials as HTTP headers carry them.

A URL given by the user (a kubeconfig's server, ``--source``, a judge endpoint)
or by a server (a redirect's ``Location``) may carry credentials in its user
info (``https://user:password@host``). Every message that names such a URL
shows it through :func:`without_userinfo` (or :func:`without_credentials`, which
drops the query too), so a password never reaches a
terminal or a log. A token or key sent as a header is checked with
:func:`header_safe` first: ``http.client`` names the whole value when it refuses one.
"""

from __future__ import annotations

# Where the authority of a URL ends (RFC 3986, and urllib.parse.urlsplit alike).
_AUTHORITY_ENDS = "/?#"


def without_userinfo(url: str) -> str:
    """``url`` without the user info of its authority.

    ``https://user:pass@host:8443/p`` -> ``https://host:8443/p``. The authority
    ends at the first ``/``, ``?`` or ``#``, and the user info at its last ``@``,
    as ``urllib`` reads it: an ``@`` in the path, query or fragment stays, and a
    password holding a raw ``@`` is dropped whole. Without ``scheme://`` the text
    is read as starting with the authority (``user:pass@host/p`` -> ``host/p``).
    The query is kept: a caller that shows a server's URL drops it when it may
    hold a token.
    """
    scheme, sep, rest = url.partition("://")
    if not sep:
        scheme, rest = "", url
    end = next((i for i, ch in enumerate(rest) if ch in _AUTHORITY_ENDS), len(rest))
    authority = rest[:end]
    if "@" not in authority:
        return url
    return f"{scheme}{sep}{authority.rpartition('@')[2]}{rest[end:]}"


def without_credentials(url: str) -> str:
    """``url`` without its user info, query or fragment, where a token may ride: a server's
    URL as a message shows it (``https://u:p@host/p?token=t`` -> ``https://host/p``)."""
    return without_userinfo(url).partition("?")[0].partition("#")[0]


# How a refusal of a credential that fails header_safe words it (the credential unnamed).
NOT_HEADER_SAFE = "holds a line break or another character no HTTP header can carry"


def header_safe(value: str) -> bool:
    """Whether ``value`` can be sent as an HTTP header's value as it is: printable ASCII."""
    return value.isascii() and value.isprintable()

"""Glance's database URL, for the Glance pods (their init container) and the database hooks.

Its own module so that the pods carry only what they run: a change to the hooks' other helpers
does not change the pods' programs, whose checksum rolls them. Python 3.9, standard library only.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Mapping
from typing import Optional


def database_url(
    user: str,
    password: str,
    host: str,
    port: int,
    name: str,
    tls: Optional[Mapping[str, str]] = None,
) -> str:
    """Build Glance's SQLAlchemy URL for PyMySQL: IPv6 hosts in brackets, names URL-encoded.

    PyMySQL sends a str password as Latin-1, while the account's password is set (and every
    other client logs in) in UTF-8: the URL carries the password's UTF-8 bytes as Latin-1
    characters, so that PyMySQL sends exactly those bytes. tls holds PyMySQL's ssl files (ca,
    and cert and key for a client certificate): given a ca, PyMySQL verifies the server's
    certificate and host name.
    """
    wire = password_bytes(password).decode("latin-1")
    address = f"[{host}]" if ":" in host else host
    query = [("charset", "utf8"), *((f"ssl_{key}", path) for key, path in (tls or {}).items())]
    return (
        f"mysql+pymysql://{urllib.parse.quote(user, safe='')}:"
        f"{urllib.parse.quote(wire, safe='')}@{address}:{port}/"
        f"{urllib.parse.quote(name, safe='')}?{urllib.parse.urlencode(query)}"
    )


def password_bytes(password: str) -> bytes:
    """Return the UTF-8 bytes a client sends for a password; ValueError when it has none.

    Only a Secret value that is not UTF-8 text (read from the environment as lone surrogates)
    has none: no client can send it as the server stores it.
    """
    try:
        return password.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("is not UTF-8 text; store the password in the Secret as UTF-8") from None

"""Ids as the database keeps them (bigint): what the API, the admin's forms and token claims accept.

Kept free of DRF: the authentication class imports it while DRF's settings are loading.
"""

BIGINT_MAX = 2**63 - 1


def parse_id(raw: object) -> int | None:
    """``raw`` as an id, if it is one: an int, or ASCII digits, from 1 to a bigint's maximum; else None.

    A number beyond a bigint is refused here rather than by the database (a 400, an invalid choice, a 401).
    """
    if isinstance(raw, str) and raw.isascii() and raw.isdecimal():
        raw = int(raw)
    return raw if isinstance(raw, int) and not isinstance(raw, bool) and 0 < raw <= BIGINT_MAX else None

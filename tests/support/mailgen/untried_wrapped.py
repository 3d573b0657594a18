"""Mail from an exploratory round over intake, wrapped: S/MIME and PGP signed or
encrypted, forwards as message/rfc822 (the only part, holding an attachment, in
base64). Fed through SMTP and ``ingest`` by ``tests/test_intake_untried.py``.
"""

from __future__ import annotations

from tests.support.mailgen.build import (
    Fixture,
    b64,
    head,
    lines,
    mixed,
    single,
    text_lines,
    text_part,
    word,
)

MIME = "mime-edge"


def _smime_signed() -> bytes:
    return lines(
        head(
            "signer@customer.test",
            "Signed request",
            "untried-mime-13@customer.test",
            "MIME-Version: 1.0",
            'Content-Type: multipart/signed; protocol="application/pkcs7-signature";'
            ' micalg=sha-256; boundary="s13"',
        ),
        "",
        "This is an S/MIME signed message",
        "",
        "--s13",
        text_part("Disk full on file server."),
        "--s13",
        'Content-Type: application/pkcs7-signature; name="smime.p7s"',
        "Content-Transfer-Encoding: base64",
        'Content-Disposition: attachment; filename="smime.p7s"',
        "",
        b64(b"\x30\x82\x01\x00not a real signature"),
        "--s13--",
    )


def _smime_opaque() -> bytes:
    return single(
        "opaque@customer.test",
        "Opaque signed",
        "untried-mime-14@customer.test",
        [
            'Content-Type: application/pkcs7-mime; smime-type=signed-data; name="smime.p7m"',
            "Content-Transfer-Encoding: base64",
            'Content-Disposition: attachment; filename="smime.p7m"',
        ],
        [b64(b"\x30\x80opaque")],
    )


def _pgp_mime() -> bytes:
    return lines(
        head(
            "pgp@customer.test",
            "PGP/MIME signed",
            "untried-mime-15@customer.test",
            "MIME-Version: 1.0",
            "Content-Type: multipart/signed; micalg=pgp-sha256;"
            ' protocol="application/pgp-signature"; boundary="p15"',
        ),
        "",
        "--p15",
        'Content-Type: multipart/mixed; boundary="p15i"',
        "",
        "--p15i",
        "Content-Type: text/plain; charset=utf-8",
        "Content-Transfer-Encoding: quoted-printable",
        "",
        "VPN =E3=81=AE=E4=BB=B6",
        "--p15i--",
        "",
        "--p15",
        'Content-Type: application/pgp-signature; name="signature.asc"',
        "",
        "-----BEGIN PGP SIGNATURE-----",
        "iQEzBAEBCAAdFiEE",
        "-----END PGP SIGNATURE-----",
        "--p15--",
    )


def _pgp_clearsigned() -> bytes:
    return single(
        "clear@customer.test",
        "PGP inline",
        "untried-mime-16@customer.test",
        ["Content-Type: text/plain; charset=utf-8"],
        [
            "-----BEGIN PGP SIGNED MESSAGE-----",
            "Hash: SHA256",
            "",
            "Please reset my password.",
            "- -- dash-escaped line",
            "-----BEGIN PGP SIGNATURE-----",
            "",
            "iQEzBAEBCAAdFiEE",
            "=abcd",
            "-----END PGP SIGNATURE-----",
        ],
    )


def _pgp_encrypted() -> bytes:
    return lines(
        head(
            "secret@customer.test",
            "Encrypted",
            "untried-mime-17@customer.test",
            "MIME-Version: 1.0",
            'Content-Type: multipart/encrypted; protocol="application/pgp-encrypted";'
            ' boundary="e17"',
        ),
        "",
        "--e17",
        "Content-Type: application/pgp-encrypted",
        "",
        "Version: 1",
        "--e17",
        'Content-Type: application/octet-stream; name="encrypted.asc"',
        "",
        "-----BEGIN PGP MESSAGE-----",
        "hQEMA",
        "-----END PGP MESSAGE-----",
        "--e17--",
    )


_INNER = [
    "From: Original Person <orig@other.test>",
    "To: fwd@customer.test",
    f"Subject: {word('元のメール')}",
    "Message-ID: <inner-1@other.test>",
    "Content-Type: text/plain; charset=utf-8",
    "",
    *text_lines("元の本文です。", "utf-8"),
]


def _forward_only_part() -> bytes:
    return single(
        "fwd@customer.test",
        "Fwd: only the message",
        "untried-mime-18@customer.test",
        ["Content-Type: message/rfc822", "Content-Disposition: inline"],
        _INNER,
    )


def _forward_nested_attachment() -> bytes:
    inner = [
        "From: orig@other.test",
        "Subject: with a file",
        "Message-ID: <inner-2@other.test>",
        'Content-Type: multipart/mixed; boundary="i19"',
        "",
        "--i19",
        "Content-Type: text/plain",
        "",
        "inner text",
        "--i19",
        'Content-Type: application/pdf; name="../../inner.pdf"',
        "Content-Disposition: attachment",
        "",
        "%PDF",
        "--i19--",
    ]
    return mixed(
        "fwd2@customer.test",
        "Fwd: with a file",
        "untried-mime-19@customer.test",
        "m19",
        text_part("outer text"),
        ["Content-Type: message/rfc822", "", *inner],
    )


def _rfc822_base64() -> bytes:
    inner = lines("From: orig@other.test", "Subject: inner", "", "inner body")
    return mixed(
        "fwd3@customer.test",
        "rfc822 in base64",
        "untried-mime-20@customer.test",
        "m20",
        text_part("see inner"),
        ["Content-Type: message/rfc822", "Content-Transfer-Encoding: base64", "", b64(inner)],
    )


FIXTURES = [
    Fixture(
        MIME, "untried-smime-signed.eml", "S/MIME multipart/signed with smime.p7s", _smime_signed()
    ),
    Fixture(
        MIME,
        "untried-smime-opaque.eml",
        "opaque S/MIME: one application/pkcs7-mime part, no text",
        _smime_opaque(),
    ),
    Fixture(
        MIME,
        "untried-pgp-mime-signed.eml",
        "PGP/MIME multipart/signed around multipart/mixed",
        _pgp_mime(),
    ),
    Fixture(
        MIME,
        "untried-pgp-clearsigned.eml",
        "inline PGP clearsigned text with a dash-escaped line",
        _pgp_clearsigned(),
    ),
    Fixture(
        MIME,
        "untried-forward-only-part.eml",
        "the whole body is one message/rfc822 part",
        _forward_only_part(),
    ),
    Fixture(
        MIME,
        "untried-forward-nested-attachment.eml",
        "forwarded message/rfc822 holding an attachment named ../../inner.pdf",
        _forward_nested_attachment(),
    ),
    Fixture(
        MIME,
        "untried-rfc822-base64.eml",
        "message/rfc822 part in base64 (not allowed, sent anyway)",
        _rfc822_base64(),
    ),
    Fixture(MIME, "untried-pgp-encrypted.eml", "PGP/MIME multipart/encrypted", _pgp_encrypted()),
]

"""Valid and deliberately broken identifiers for the request fixtures.

Deterministic (seeded), so regenerating the fixtures gives the same files.
"""

import hashlib
import random

B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
RIPPLE = "rpshnaf39wBUDNEGHJKLM4PQRST7VWXYZ2bcdeCg65jkm8oFqi1tuvAxyz"

rng = random.Random(20260301)


def b58encode(data, alphabet=B58):
    n = int.from_bytes(data, "big")
    out = ""
    while n:
        n, r = divmod(n, 58)
        out = alphabet[r] + out
    pad = len(data) - len(data.lstrip(b"\0"))
    return alphabet[0] * pad + out


def b58decode(s, alphabet=B58):
    n = 0
    for c in s:
        n = n * 58 + alphabet.index(c)
    full = n.to_bytes((n.bit_length() + 7) // 8, "big") if n else b""
    pad = len(s) - len(s.lstrip(alphabet[0]))
    return b"\0" * pad + full


def b58check(version, payload, alphabet=B58):
    data = bytes([version]) + payload
    checksum = hashlib.sha256(hashlib.sha256(data).digest()).digest()[:4]
    return b58encode(data + checksum, alphabet)


def b58check_ok(s, alphabet=B58):
    try:
        raw = b58decode(s, alphabet)
    except ValueError:
        return False
    if len(raw) < 5:
        return False
    data, checksum = raw[:-4], raw[-4:]
    return hashlib.sha256(hashlib.sha256(data).digest()).digest()[:4] == checksum


# BIP-173 / BIP-350 reference encoder.
CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"


def bech32_polymod(values):
    gen = [0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3]
    chk = 1
    for v in values:
        b = chk >> 25
        chk = (chk & 0x1FFFFFF) << 5 ^ v
        for i in range(5):
            chk ^= gen[i] if ((b >> i) & 1) else 0
    return chk


def hrp_expand(hrp):
    return [ord(x) >> 5 for x in hrp] + [0] + [ord(x) & 31 for x in hrp]


def convertbits(data, frombits, tobits):
    acc = bits = 0
    ret = []
    maxv = (1 << tobits) - 1
    for value in data:
        acc = (acc << frombits) | value
        bits += frombits
        while bits >= tobits:
            bits -= tobits
            ret.append((acc >> bits) & maxv)
    if bits:
        ret.append((acc << (tobits - bits)) & maxv)
    return ret


def segwit(hrp, version, program):
    const = 1 if version == 0 else 0x2BC830A3
    data = [version] + convertbits(program, 8, 5)
    values = hrp_expand(hrp) + data
    polymod = bech32_polymod(values + [0] * 6) ^ const
    checksum = [(polymod >> 5 * (5 - i)) & 31 for i in range(6)]
    return hrp + "1" + "".join(CHARSET[d] for d in data + checksum)


def rand_bytes(n):
    return bytes(rng.randrange(256) for _ in range(n))


def btc_p2pkh():
    return b58check(0x00, rand_bytes(20))


def btc_p2sh():
    return b58check(0x05, rand_bytes(20))


def btc_bech32():
    return segwit("bc", 0, rand_bytes(20))


def btc_taproot():
    return segwit("bc", 1, rand_bytes(32))


def ltc():
    return b58check(0x30, rand_bytes(20))


def tron():
    return b58check(0x41, rand_bytes(20))


def xrp():
    return b58check(0x00, rand_bytes(20), RIPPLE)


def tx_hash(prefix=False):
    h = rand_bytes(32).hex()
    return "0x" + h if prefix else h


# EIP-55 test vectors: (as written in the fixtures, checksummed form expected).
ETH = [
    "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
    "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
    "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB",
    "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb",
    "0x52908400098527886E0F7030069857D2E4169EE7",
    "0x8617E340B3D01FA5F11F306F4090FD50E238070D",
    "0xde709f2102306220921060314715629080e2fb77",
    "0x27b1fdb04752bbc536007a920d24acb045561c26",
]


def iban(country, bban):
    rearranged = bban + country + "00"
    digits = "".join(str(int(c, 36)) for c in rearranged)
    check = 98 - int(digits) % 97
    return f"{country}{check:02d}{bban}"


def rand_digits(n):
    return "".join(str(rng.randrange(10)) for _ in range(n))


def iban_for(country):
    bban = {
        "DE": lambda: rand_digits(18),
        "AT": lambda: rand_digits(16),
        "FR": lambda: rand_digits(10) + rand_digits(11) + rand_digits(2),
        "BE": lambda: rand_digits(12),
        "ES": lambda: rand_digits(20),
        "IT": lambda: "X" + rand_digits(10) + rand_digits(12),
        "NL": lambda: "ABNA" + rand_digits(10),
        "PT": lambda: rand_digits(21),
        "GB": lambda: "NWBK" + rand_digits(14),
    }[country]()
    return iban(country, bban)


def spaced(s):
    return " ".join(s[i : i + 4] for i in range(0, len(s), 4))


def break_base58(addr, alphabet=B58):
    """One character changed so that the checksum fails."""
    for pos in range(len(addr) - 3, 1, -1):
        for c in alphabet:
            if c == addr[pos]:
                continue
            candidate = addr[:pos] + c + addr[pos + 1 :]
            if not b58check_ok(candidate, alphabet):
                return candidate
    raise ValueError(addr)


def break_eth(addr):
    """Flip the case of one letter of a checksummed address: the checksum fails."""
    body = addr[2:]
    for i, c in enumerate(body):
        if c.isalpha():
            return "0x" + body[:i] + c.swapcase() + body[i + 1 :]
    raise ValueError(addr)


def break_iban(value):
    """Change one digit of the account number: mod-97 fails."""
    i = len(value) - 3
    d = value[i]
    return value[:i] + str((int(d) + 1) % 10) + value[i + 1 :]


def break_bech32(addr):
    last = addr[-1]
    repl = "q" if last != "q" else "p"
    return addr[:-1] + repl

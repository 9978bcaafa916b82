#!/usr/bin/env python3
"""Write the request-understanding fixture corpus: fixtures/requests/*.eml and
fixtures/requests/expected.json.

Messages in English, German, French, Spanish, Italian, Dutch and Portuguese; some carry
their details only in a PDF letter (made with reportlab), some quote earlier requests,
some hold identifiers that fail their checksums. Deterministic: regenerating gives the
same messages (PDFs embed no timestamps: reportlab's invariant mode).

Usage: python3 scripts/make-request-fixtures.py   (needs: pip install reportlab)
"""

import io
import json
import os
import sys
from email.message import EmailMessage
from email.policy import SMTP

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fixtures_ids as ids  # noqa: E402

from reportlab.lib.pagesizes import A4  # noqa: E402
from reportlab.pdfgen import canvas  # noqa: E402
from reportlab import rl_config  # noqa: E402

rl_config.invariant = 1

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "requests")
TO = "lawenforcement@exchange.example"
FIXTURES = []


def pdf_letter(lines):
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4, invariant=1)
    c.setFont("Helvetica", 10)
    y = 800
    for line in lines:
        if y < 60:
            c.showPage()
            c.setFont("Helvetica", 10)
            y = 800
        c.drawString(60, y, line)
        y -= 15
    c.showPage()
    c.save()
    return buf.getvalue()


QUOTE_HEADERS = {
    "en": ("-----Original Message-----", "From", "Sent", "To", "Subject"),
    "de": (None, "Von", "Gesendet", "An", "Betreff"),
    "fr": (None, "De ", "Envoyé ", "À ", "Objet "),
    "es": (None, "De", "Enviado", "Para", "Asunto"),
    "it": (None, "Da", "Inviato", "A", "Oggetto"),
    "nl": (None, "Van", "Verzonden", "Aan", "Onderwerp"),
    "pt": (None, "De", "Enviada", "Para", "Assunto"),
}


def quote(style, who, when, subject, text):
    if style == "gt":
        lines = [f"On {when}, {who} wrote:"] + ["> " + l if l else ">" for l in text.split("\n")]
        return "\n".join(lines)
    sep, f, s, t, subj = QUOTE_HEADERS[style]
    head = [sep] if sep else ["________________________________"]
    head += [f"{f}: {who}", f"{s}: {when}", f"{t}: {TO}", f"{subj}: {subject}", ""]
    return "\n".join(head) + "\n" + text


def add(name, *, lang, sender, sender_name, subject, date, body, expect,
        quoted=None, pdf=None, html=False, reply=False):
    FIXTURES.append(dict(name=name, lang=lang, sender=sender, sender_name=sender_name,
                         subject=subject, date=date, body=body, expect=expect,
                         quoted=quoted, pdf=pdf, html=html, reply=reply))


def T(kind, value, source="body"):
    return {"kind": kind, "value": value, "source": source}


def E(kind, *, urgent=False, deadline=None, deadline_text=None, ref=None, jur=None,
      language=None, targets=(), invalid=0):
    return dict(kind=kind, urgent=urgent, deadline=deadline, deadline_text=deadline_text,
                agency_reference=ref, jurisdiction=jur, language=language,
                targets=list(targets), invalid_identifiers=invalid)


def write_all():
    os.makedirs(ROOT, exist_ok=True)
    for old in os.listdir(ROOT):
        if old.endswith(".eml"):
            os.remove(os.path.join(ROOT, old))
    expected = []
    for i, f in enumerate(FIXTURES):
        msg = EmailMessage()
        msg["From"] = f'"{f["sender_name"]}" <{f["sender"]}>'
        msg["To"] = TO
        msg["Subject"] = f["subject"]
        msg["Date"] = f["date"]
        msg["Message-ID"] = f"<fixture-{i:03d}-{f['name']}@{f['sender'].split('@')[1]}>"
        if f["reply"]:
            msg["In-Reply-To"] = f"<original-{i:03d}@{f['sender'].split('@')[1]}>"
        body = f["body"]
        if f["quoted"]:
            body = body + "\n\n" + quote(*f["quoted"])
        if f["html"]:
            paragraphs = "".join(f"<p>{p}</p>" for p in body.split("\n\n"))
            html = (f"<html><head><style>p {{margin:0}}</style><script>var x = 1;</script></head>"
                    f"<body>{paragraphs.replace(chr(10), '<br>')}</body></html>")
            msg.set_content(html, subtype="html", charset="utf-8", cte="quoted-printable")
        else:
            msg.set_content(body, charset="utf-8", cte="quoted-printable")
        if f["pdf"]:
            filename, lines = f["pdf"]
            msg.add_attachment(pdf_letter(lines), maintype="application", subtype="pdf",
                               filename=filename)
            # A fixed boundary keeps regenerated files byte-identical.
            msg.set_boundary(f"=_lea_fixture_{i:03d}")
        file = f"{i + 1:02d}-{f['name']}.eml"
        with open(os.path.join(ROOT, file), "wb") as out:
            out.write(msg.as_bytes(policy=SMTP))
        e = dict(f["expect"])
        e["language"] = e["language"] or f["lang"]
        expected.append(dict(file=file, has_pdf=bool(f["pdf"]), **e))
    with open(os.path.join(ROOT, "expected.json"), "w", encoding="utf-8") as out:
        json.dump({"messages": expected}, out, indent=2, ensure_ascii=False)
        out.write("\n")
    print(f"wrote {len(FIXTURES)} messages to {os.path.normpath(ROOT)}")


# ---------------------------------------------------------------- identifiers
btc1 = [ids.btc_p2pkh() for _ in range(12)]
btc3 = [ids.btc_p2sh() for _ in range(6)]
bc1q = [ids.btc_bech32() for _ in range(8)]
bc1p = [ids.btc_taproot() for _ in range(4)]
ltc = [ids.ltc() for _ in range(3)]
trx = [ids.tron() for _ in range(10)]
xrp = [ids.xrp() for _ in range(3)]
tx = [ids.tx_hash(prefix=(i % 2 == 0)) for i in range(10)]
ETH = ids.ETH
iban = {c: [ids.iban_for(c) for _ in range(3)] for c in ["DE", "AT", "FR", "BE", "ES", "IT", "NL", "PT", "GB"]}

exec(open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures_messages.py"), encoding="utf-8").read())

if __name__ == "__main__":
    write_all()

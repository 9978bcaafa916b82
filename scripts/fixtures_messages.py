# The fixture messages. Executed by make-request-fixtures.py, which defines add, E, T,
# quote styles and the identifier pools (btc1, btc3, bc1q, bc1p, ltc, trx, xrp, tx, ETH,
# iban) before running this file.

S = ids.spaced
mails = [f"{n}@{d}" for n, d in [
    ("crypto.king88", "gmail.com"), ("j.doe.trading", "protonmail.com"), ("lil.angel2009", "outlook.com"),
    ("payments.fast", "yahoo.com"), ("ransom.ops", "tutanota.com"), ("mike.vendor", "gmail.com"),
    ("ltc.launder", "proton.me"), ("k.schmidt1990", "web.de"), ("arnaque.pro", "gmail.com"),
    ("disparue.contact", "hotmail.fr"), ("trader.lyon", "laposte.net"), ("cripto.madrid", "gmail.com"),
    ("hacker.bcn", "yahoo.es"), ("secuestro.caso", "gmail.com"), ("truffa.roma", "libero.it"),
    ("phishing.mi", "gmail.com"), ("ragazza.torino", "hotmail.it"), ("scam.amsterdam", "gmail.com"),
    ("bewaar.zaak", "ziggo.nl"), ("vermist.utrecht", "gmail.com"), ("burla.lisboa", "sapo.pt"),
    ("conta.porto", "gmail.com"), ("crianca.caso", "hotmail.com"),
]]

# ------------------------------------------------------------------ English
add("en-grand-jury-subpoena", lang="en", sender="dana.whitfield@fbi.gov", sender_name="Whitfield, Dana (WF) (FBI)",
    subject="Grand Jury Subpoena - FBI File No. 305A-WF-3318902", date="Mon, 02 Feb 2026 09:14:00 -0500",
    body=f"""Dear Custodian of Records,

This is a federal grand jury subpoena issued by the United States District Court for the Eastern District of Virginia. Please produce all subscriber records, KYC documents, login IP history and transaction records for the following identifiers:

Bitcoin address: {btc1[0]}
Account e-mail: {mails[0]}

The records must be produced no later than March 3, 2026. Records should cover the period from January 1, 2024 to December 31, 2025.

Regards,
Special Agent Dana Whitfield
Federal Bureau of Investigation, Washington Field Office
Tel: +1 202 555 0143
dana.whitfield@fbi.gov""",
    expect=E("subpoena", deadline="2026-03-03", ref="FBI File No. 305A-WF-3318902", jur="US",
             targets=[T("btc_address", btc1[0]), T("email", mails[0])]))

add("en-2703d-order", lang="en", sender="mark.ellison@usdoj.gov", sender_name="Ellison, Mark (USANJ)",
    subject="2703(d) Order - Case No. 2:26-mj-00123", date="Tue, 03 Feb 2026 14:02:11 -0500",
    body=f"""Counsel,

Please find below the terms of a court order issued under 18 U.S.C. § 2703(d) by the U.S. District Court for the District of New Jersey.

You are ordered to disclose records for the Ethereum address {ETH[0].lower()} including the deposit made in transaction {tx[0]}.

Please comply on or before 03/15/2026.

Sincerely,
AUSA Mark Ellison
United States Attorney's Office
mark.ellison@usdoj.gov
(973) 555-0188""",
    expect=E("court_order", deadline="2026-03-15", ref="Case No. 2:26-mj-00123", jur="US",
             targets=[T("eth_address", ETH[0]), T("tx_hash", tx[0])]))

add("en-search-warrant-pdf", lang="en", sender="rosa.delgado@ice.dhs.gov", sender_name="Delgado, Rosa",
    subject="Search warrant for records", date="Fri, 20 Feb 2026 16:40:00 -0500",
    body="""Good afternoon,

Please see the attached search warrant and produce the records it lists. Contact me with any questions.

Regards,
SA Rosa Delgado
Homeland Security Investigations""",
    pdf=("search-warrant.pdf", [
        "UNITED STATES DISTRICT COURT", "SOUTHERN DISTRICT OF FLORIDA", "",
        "Case No. 26-SW-0456", "", "SEARCH AND SEIZURE WARRANT", "",
        "To: Exchange Example Ltd., Custodian of Records", "",
        "You are hereby commanded to produce, no later than 2026-03-20, all records",
        "associated with the following accounts:",
        f"bitcoin address {bc1q[0]}", f"tron address {trx[0]}", f"customer e-mail {mails[1]}", "",
        "Dated: February 20, 2026", "Hon. Maria Lopez, United States Magistrate Judge"]),
    expect=E("search_warrant", deadline="2026-03-20", ref="Case No. 26-SW-0456", jur="US",
             targets=[T("btc_address", bc1q[0], "attachment:search-warrant.pdf"),
                      T("tron_address", trx[0], "attachment:search-warrant.pdf"),
                      T("email", mails[1], "attachment:search-warrant.pdf")]))

add("en-preservation-2703f", lang="en", sender="kevin.morrow@usss.dhs.gov", sender_name="Kevin Morrow",
    subject="Preservation Request pursuant to 18 U.S.C. 2703(f)", date="Wed, 04 Feb 2026 11:20:00 -0500",
    body=f"""To whom it may concern,

Pursuant to 18 U.S.C. § 2703(f), the United States Secret Service requests that you preserve all records relating to the following wallets for a period of 90 days:

{btc3[0]}
{ETH[1]}

A grand jury subpoena will follow. Please confirm receipt of this letter within 2 business days.

Case Number: USSS-2026-0417

Thank you,
SA Kevin Morrow
U.S. Secret Service, Cyber Investigations
kevin.morrow@usss.dhs.gov""",
    expect=E("preservation_request", deadline_text="within 2 business days", ref="Case Number: USSS-2026-0417", jur="US",
             targets=[T("btc_address", btc3[0]), T("eth_address", ETH[1])]))

add("en-emergency-disclosure", lang="en", sender="laura.chen@nypd.nyc.gov", sender_name="Det. Laura Chen",
    subject="EMERGENCY DISCLOSURE REQUEST - threat to life", date="Sat, 07 Feb 2026 02:11:00 -0500",
    body=f"""This is an emergency disclosure request under 18 U.S.C. § 2702(b)(8). A 16-year-old has been reported missing and we believe she is in imminent danger. The suspect contacted her through your platform.

Please disclose immediately the subscriber information, recent login IP addresses and phone number on file for the account registered to {mails[2]}, which logged in from 198.51.100.23.

The suspect also used the phone number +1 347 555 0199.

Thank you,
Detective Laura Chen
NYPD Computer Crimes Squad
Desk: +1 646 555 0110""",
    expect=E("emergency_disclosure", urgent=True, jur="US",
             targets=[T("email", mails[2]), T("ip_address", "198.51.100.23"), T("phone", "+13475550199")]))

add("en-freeze-nca", lang="en", sender="samuel.hart@nca.gov.uk", sender_name="Samuel Hart",
    subject="URGENT: request to freeze funds", date="Mon, 02 Mar 2026 08:05:00 +0000",
    body=f"""Dear Sir or Madam,

The National Crime Agency is investigating a ransomware group. We request that you freeze the funds held in the accounts that received the following deposits, and hold them until a restraint order is obtained:

BTC: {btc3[1]}
ETH: {ETH[2]}
XRP: {xrp[0]}

Please confirm the freeze by 05/03/2026.

Our Ref: NCA-2026-7781

Kind regards,
DI Samuel Hart
National Crime Agency
samuel.hart@nca.gov.uk""",
    expect=E("freeze_request", urgent=True, deadline="2026-03-05", ref="Our Ref: NCA-2026-7781", jur="GB",
             targets=[T("btc_address", btc3[1]), T("eth_address", ETH[2]), T("xrp_address", xrp[0])]))

add("en-information-met", lang="en", sender="priya.nair@met.police.uk", sender_name="DC Priya Nair",
    subject="Request for information - Crime Reference 5217734/26", date="Tue, 03 Mar 2026 10:30:00 +0000",
    body=f"""Hello,

The Metropolitan Police Service is investigating a fraud reported by a vulnerable victim. Under the Data Protection Act 2018, Schedule 2, Part 1, paragraph 2, we ask you to voluntarily provide the account holder details for the customer using the mobile number 07700 900123 and the e-mail address {mails[3]}.

We would be grateful for a reply within 14 days.

Many thanks,
DC Priya Nair
Metropolitan Police Service
Fraud Squad""",
    expect=E("information_request", deadline_text="within 14 days", ref="Crime Reference 5217734/26", jur="GB",
             targets=[T("phone", "+447700900123"), T("email", mails[3])]))

add("en-follow-up-subpoena", lang="en", sender="tom.becker@fbi.gov", sender_name="Becker, Tom (NY) (FBI)",
    subject="RE: [Ticket #48213] Grand Jury Subpoena - FBI File No. 305A-NY-4410027", date="Wed, 04 Mar 2026 09:00:00 -0500",
    reply=True,
    body="""Good morning,

We have not yet received a response to the subpoena below. Please respond by March 10, 2026.

Thanks,
SA Tom Becker
FBI New York""",
    quoted=("gt", "SA Tom Becker <tom.becker@fbi.gov>", "Mon, Feb 9, 2026 at 10:02 AM", "",
            f"""Custodian of Records,

This grand jury subpoena (FBI File No. 305A-NY-4410027) requires you to produce all records for bitcoin address {btc1[1]} no later than February 27, 2026.

SA Tom Becker"""),
    expect=E("subpoena", deadline="2026-03-10", ref="FBI File No. 305A-NY-4410027", jur="US",
             targets=[T("btc_address", btc1[1], "quoted")]))

add("en-release-hold", lang="en", sender="kevin.morrow@usss.dhs.gov", sender_name="Kevin Morrow",
    subject="Case No. 1:25-cr-00871 - release of hold", date="Thu, 05 Mar 2026 13:00:00 -0500",
    body=f"""Hello,

The investigation has concluded and the funds have been returned to the victims. You may release the hold on the account linked to {btc1[2]} and the customer e-mail {mails[4]}. No further action is needed.

Regards,
SA Kevin Morrow
U.S. Secret Service""",
    expect=E("other", ref="Case No. 1:25-cr-00871", jur="US",
             targets=[T("btc_address", btc1[2]), T("email", mails[4])]))

add("en-subpoena-decoys", lang="en", sender="ellen.park@dea.gov", sender_name="Ellen Park",
    subject="Subpoena for records", date="Fri, 06 Mar 2026 15:45:00 -0500",
    body=f"""Custodian of Records,

This administrative subpoena requires records for the following wallets. Note that some addresses were copied from screenshots.

1) {btc1[3]}
2) {ids.break_base58(btc1[4])}
3) {ETH[3]}
4) {ids.break_eth(ETH[0])}
5) IBAN {ids.break_iban(iban['GB'][0])}
6) {bc1q[1]}

Respond by 04/03/2026.

Case No. 26-1187

Regards,
SA Ellen Park
Drug Enforcement Administration
ellen.park@dea.gov""",
    expect=E("subpoena", deadline="2026-04-03", ref="Case No. 26-1187", jur="US",
             targets=[T("btc_address", btc1[3]), T("eth_address", ETH[3]), T("btc_address", bc1q[1])], invalid=3))

add("en-mlat-execution", lang="en", sender="nadia.flores@usdoj.gov", sender_name="Nadia Flores",
    subject="Mutual Legal Assistance request from Germany - execution", date="Mon, 09 Mar 2026 10:00:00 -0400",
    body=f"""Dear colleagues,

The Office of International Affairs of the U.S. Department of Justice is executing a request for mutual legal assistance received from the Public Prosecutor's Office in Frankfurt am Main. We ask you to provide the account opening documents and transaction history for the Tron address {trx[1]} and the IBAN {S(iban['DE'][0])} that funded it.

Please provide the records within 30 days of receipt of this letter.

Reference: OIA 182-48213

Sincerely,
Trial Attorney Nadia Flores
Office of International Affairs
nadia.flores@usdoj.gov""",
    expect=E("mlat", deadline_text="within 30 days of receipt of this letter", ref="Reference: OIA 182-48213", jur="US",
             targets=[T("tron_address", trx[1]), T("iban", iban['DE'][0])]))

add("en-europol-html", lang="en", sender="ec3.operations@europol.europa.eu", sender_name="EC3 Operations",
    subject="Information request - Operation GOLDEN TIDE", date="Tue, 10 Mar 2026 09:30:00 +0100", html=True,
    body=f"""Dear Sir or Madam,

Europol supports an investigation by several Member States into a phishing network. We kindly ask for information about the owner of the Litecoin address {ltc[0]} and the login IP addresses of the account registered with {mails[5]}.

A reply by 20 March 2026 would be appreciated.

Our reference: EDOC 1192837

Best regards,
European Cybercrime Centre (EC3)
Europol""",
    expect=E("information_request", deadline="2026-03-20", ref="Our reference: EDOC 1192837", jur="EU",
             targets=[T("ltc_address", ltc[0]), T("email", mails[5])]))

add("en-case-agent-change", lang="en", sender="julia.ortiz@fbi.gov", sender_name="Ortiz, Julia (LA) (FBI)",
    subject="Change of case agent - FBI File No. 318B-LA-9981134", date="Wed, 11 Mar 2026 12:00:00 -0700",
    body="""Hello,

Please note a change of case agent for the matter referenced above. Effective today, SA Julia Ortiz replaces SA Mark Dunn. Please direct all future correspondence and productions to julia.ortiz@fbi.gov or +1 310 555 0175.

Regards,
SA Julia Ortiz
FBI Los Angeles""",
    expect=E("other", ref="FBI File No. 318B-LA-9981134", jur="US", targets=[]))

add("en-interpol", lang="en", sender="cfc.unit@interpol.int", sender_name="INTERPOL CFC",
    subject="INTERPOL - request for information on wallet", date="Thu, 12 Mar 2026 08:00:00 +0100",
    body=f"""Dear Sir/Madam,

The INTERPOL General Secretariat, Financial Crime and Anti-Corruption Centre, requests information on the holder of the wallet {bc1p[0]} which received proceeds of an investment fraud affecting victims in 14 countries. Transaction: {tx[1]}.

Please respond within 10 working days.

File No. 2026/118/CFC

Yours faithfully,
INTERPOL General Secretariat
Lyon, France""",
    expect=E("information_request", deadline_text="within 10 working days", ref="File No. 2026/118/CFC", jur="INT",
             targets=[T("btc_address", bc1p[0]), T("tx_hash", tx[1])]))

add("en-production-order-pdf", lang="en", sender="oliver.grant@cityoflondon.police.uk", sender_name="DC Oliver Grant",
    subject="Production order", date="Tue, 03 Mar 2026 14:00:00 +0000",
    body="""Good afternoon,

Please find attached a production order granted at Westminster Magistrates' Court, with the accounts listed in its schedule.

Kind regards,
DC Oliver Grant
City of London Police""",
    pdf=("production-order.pdf", [
        "IN THE WESTMINSTER MAGISTRATES' COURT", "PRODUCTION ORDER",
        "Police and Criminal Evidence Act 1984, Schedule 1", "", "Our ref: COLP-EC-26-0331", "",
        "The respondent shall produce the material described in the schedule", "no later than 16/03/2026.", "",
        "Schedule:", f"ETH wallet {ETH[4]}", f"Bitcoin wallet {btc1[5]}", "account holder telephone 07911 123456", "",
        "Made on 02/03/2026 by District Judge A. Cole"]),
    expect=E("court_order", deadline="2026-03-16", ref="Our ref: COLP-EC-26-0331", jur="GB",
             targets=[T("eth_address", ETH[4], "attachment:production-order.pdf"),
                      T("btc_address", btc1[5], "attachment:production-order.pdf"),
                      T("phone", "+447911123456", "attachment:production-order.pdf")]))

# ------------------------------------------------------------------ German
add("de-auskunftsersuchen", lang="de", sender="jana.weber@polizei.berlin.de", sender_name="Weber, Jana",
    subject="Auskunftsersuchen – Az. 255 Js 1234/26", date="Mon, 02 Mar 2026 09:00:00 +0100",
    body=f"""Sehr geehrte Damen und Herren,

im Rahmen eines Ermittlungsverfahrens wegen Betrugs (Az. 255 Js 1234/26) bitten wir um Auskunft zu folgenden Daten:

- Bitcoin-Adresse {bc1p[1]}
- IBAN {S(iban['DE'][1])}
- Mobilnummer 0151 23456789

Bitte übersenden Sie die Bestandsdaten und Transaktionen bis zum 15.04.2026.

Mit freundlichen Grüßen

KOK Jana Weber
Polizeipräsidium Berlin, LKA 3
Tel. 030 4664-912345
jana.weber@polizei.berlin.de""",
    expect=E("information_request", deadline="2026-04-15", ref="Az. 255 Js 1234/26", jur="DE",
             targets=[T("btc_address", bc1p[1]), T("iban", iban['DE'][1]), T("phone", "+4915123456789")]))

add("de-beschluss-pdf", lang="de", sender="poststelle@sta-m1.bayern.de", sender_name="Staatsanwaltschaft München I",
    subject="Beschluss des Amtsgerichts München", date="Mon, 12 Jan 2026 10:00:00 +0100",
    body="""Sehr geehrte Damen und Herren,

anbei übersenden wir Ihnen den Beschluss des Amtsgerichts München mit der Bitte um Erledigung.

Mit freundlichen Grüßen
Staatsanwaltschaft München I""",
    pdf=("beschluss.pdf", [
        "Amtsgericht München", "Ermittlungsrichter", "", "Az.: ER I Gs 345/26", "", "Beschluss", "",
        "In dem Ermittlungsverfahren gegen Unbekannt wegen Computerbetrugs wird angeordnet:",
        "Die Exchange Example Ltd. hat die Bestands- und Transaktionsdaten zu den Wallet-Adressen",
        f"{ETH[5]} und {trx[2]}", "herauszugeben.", "Die Auskunft ist bis zum 27. Januar 2026 zu erteilen.", "",
        "München, den 09.01.2026", "Dr. Huber, Richter am Amtsgericht"]),
    expect=E("court_order", deadline="2026-01-27", ref="Az.: ER I Gs 345/26", jur="DE",
             targets=[T("eth_address", ETH[5], "attachment:beschluss.pdf"),
                      T("tron_address", trx[2], "attachment:beschluss.pdf")]))

add("de-sicherung", lang="de", sender="markus.lenz@bka.bund.de", sender_name="Lenz, Markus",
    subject="EILT: Sicherungsanordnung – Datensicherung", date="Tue, 03 Mar 2026 07:45:00 +0100",
    body=f"""Sehr geehrte Damen und Herren,

das Bundeskriminalamt bittet um die umgehende Sicherung der Daten zu dem Kundenkonto mit der E-Mail-Adresse {mails[6]} sowie zu der Wallet {btc1[6]}. Ein Beschluss zur Herausgabe wird beantragt.

Bitte bestätigen Sie die Sicherung innerhalb von 3 Werktagen.

Geschäftszeichen: SO 43-260117/26

Mit freundlichen Grüßen
KHK Markus Lenz
Bundeskriminalamt, Wiesbaden
markus.lenz@bka.bund.de""",
    expect=E("preservation_request", urgent=True, deadline_text="innerhalb von 3 Werktagen",
             ref="Geschäftszeichen: SO 43-260117/26", jur="DE",
             targets=[T("email", mails[6]), T("btc_address", btc1[6])]))

add("de-einfrieren", lang="de", sender="stefan.brandt@polizei.nrw.de", sender_name="Brandt, Stefan",
    subject="Ersuchen um Einfrieren von Vermögenswerten", date="Mon, 02 Mar 2026 15:10:00 +0100",
    body=f"""Düsseldorf, 02.03.2026

Sehr geehrte Damen und Herren,

das Landeskriminalamt Nordrhein-Westfalen ermittelt wegen Geldwäsche. Wir ersuchen Sie, die Guthaben auf den folgenden Adressen einzufrieren:

TRON: {trx[3]}
BTC: {btc3[2]}

Ein Vermögensarrest wird derzeit beim Amtsgericht Düsseldorf beantragt. Bitte antworten Sie bis 09.03.2026.

Vorgangsnummer: 2026-0098812

Mit freundlichen Grüßen
KOK Stefan Brandt
Landeskriminalamt NRW""",
    expect=E("freeze_request", deadline="2026-03-09", ref="Vorgangsnummer: 2026-0098812", jur="DE",
             targets=[T("tron_address", trx[3]), T("btc_address", btc3[2])]))

add("de-erinnerung", lang="de", sender="lea.schroeder@polizei.hamburg.de", sender_name="Schröder, Lea",
    subject="AW: Auskunftsersuchen Az. 5101 Js 778/26", date="Wed, 11 Mar 2026 09:00:00 +0100", reply=True,
    body="""Sehr geehrte Damen und Herren,

leider haben wir auf unser unten stehendes Ersuchen noch keine Antwort erhalten. Wir bitten um Erledigung bis zum 20.03.2026.

Mit freundlichen Grüßen
KOKin Lea Schröder
Polizei Hamburg, LKA 54""",
    quoted=("de", "Schröder, Lea <lea.schroeder@polizei.hamburg.de>", "Montag, 2. März 2026 09:12",
            "Auskunftsersuchen Az. 5101 Js 778/26",
            f"""Sehr geehrte Damen und Herren,

wir bitten um Auskunft zu dem Kunden mit der Wallet {bc1q[2]} (Az. 5101 Js 778/26). Bitte antworten Sie bis zum 06.03.2026.

Mit freundlichen Grüßen
Lea Schröder"""),
    expect=E("information_request", deadline="2026-03-20", ref="Az. 5101 Js 778/26", jur="DE",
             targets=[T("btc_address", bc1q[2], "quoted")]))

add("de-aufhebung", lang="de", sender="stefan.brandt@polizei.nrw.de", sender_name="Brandt, Stefan",
    subject="Aufhebung der Sperrung – Vorgangsnummer 2026-0098812", date="Fri, 13 Mar 2026 11:00:00 +0100",
    body=f"""Sehr geehrte Damen und Herren,

das Verfahren wurde eingestellt. Wir bitten um Aufhebung der Sperrung der Wallet {trx[3]}; eine weitere Sicherung der Daten ist nicht erforderlich.

Mit freundlichen Grüßen
KOK Stefan Brandt
Landeskriminalamt NRW""",
    expect=E("other", ref="Vorgangsnummer 2026-0098812", jur="DE", targets=[T("tron_address", trx[3])]))

add("de-zeitraum-relativ", lang="de", sender="petra.vogt@zfa-essen.zoll.de", sender_name="Vogt, Petra",
    subject="Auskunftsersuchen des Zollfahndungsamts Essen", date="Thu, 05 Mar 2026 13:30:00 +0100",
    body=f"""Sehr geehrte Damen und Herren,

in einem Ermittlungsverfahren des Zollfahndungsamts Essen benötigen wir Kontoauszüge und Transaktionsdaten vom 01.01.2025 bis 31.12.2025 für das Konto mit der IBAN {iban['DE'][2]} sowie die Ein- und Auszahlungen auf die Adresse {ltc[1]}.

Bitte übermitteln Sie die Unterlagen innerhalb von 14 Tagen nach Erhalt dieses Schreibens.

Tgb.-Nr. 2026/0412

Mit freundlichen Grüßen
ZOI Petra Vogt
Zollfahndungsamt Essen""",
    expect=E("information_request", deadline_text="innerhalb von 14 Tagen nach Erhalt", ref="Tgb.-Nr. 2026/0412", jur="DE",
             targets=[T("iban", iban['DE'][2]), T("ltc_address", ltc[1])]))

add("de-oesterreich", lang="de", sender="thomas.gruber@bmi.gv.at", sender_name="Gruber Thomas (BK)",
    subject="Auskunftsersuchen – Bundeskriminalamt Wien", date="Mon, 09 Mar 2026 08:30:00 +0100",
    body=f"""Sehr geehrte Damen und Herren,

das Bundeskriminalamt Wien, Cybercrime Competence Center, ersucht um Auskunft über den Inhaber des Kontos mit der Telefonnummer 0664 1234567 und der Ethereum-Adresse {ETH[6]}.

Um Beantwortung bis 15.04.2026 wird gebeten.

Geschäftszahl: BMI-2026/0.123.456

Mit freundlichen Grüßen
BezInsp Thomas Gruber
Bundeskriminalamt Wien""",
    expect=E("information_request", deadline="2026-04-15", ref="Geschäftszahl: BMI-2026/0.123.456", jur="AT",
             targets=[T("phone", "+436641234567"), T("eth_address", ETH[6])]))

add("de-rechtshilfe-pdf", lang="de", sender="zac@gsta-koeln.nrw.de", sender_name="ZAC NRW",
    subject="Rechtshilfeersuchen", date="Tue, 10 Mar 2026 10:00:00 +0100",
    body="""Sehr geehrte Damen und Herren,

beigefügt erhalten Sie ein Ersuchen der Generalstaatsanwaltschaft Köln mit der Bitte um Bearbeitung.

Mit freundlichen Grüßen
Geschäftsstelle ZAC NRW""",
    pdf=("rechtshilfeersuchen.pdf", [
        "Generalstaatsanwaltschaft Köln", "Zentral- und Ansprechstelle Cybercrime (ZAC NRW)", "",
        "Az. 121 Js 88/26", "", "Europäische Ermittlungsanordnung / Rechtshilfeersuchen", "",
        "Sehr geehrte Damen und Herren,", "",
        "wir ersuchen um Übermittlung der Kundendaten zu der Bitcoin-Adresse", btc1[7],
        f"und der Transaktion {tx[2]}.", "Bitte antworten Sie bis spätestens 30.04.2026.", "",
        "Köln, den 10.03.2026"]),
    expect=E("mlat", deadline="2026-04-30", ref="Az. 121 Js 88/26", jur="DE",
             targets=[T("btc_address", btc1[7], "attachment:rechtshilfeersuchen.pdf"),
                      T("tx_hash", tx[2], "attachment:rechtshilfeersuchen.pdf")]))

# ------------------------------------------------------------------ French
add("fr-requisition", lang="fr", sender="julien.moreau@interieur.gouv.fr", sender_name="MOREAU Julien",
    subject="Réquisition judiciaire – Procédure n° 2026/00123", date="Mon, 02 Mar 2026 09:30:00 +0100",
    body=f"""Madame, Monsieur,

Agissant en vertu des articles 60-1 et 99-3 du Code de procédure pénale, nous vous requérons de nous communiquer l'identité du titulaire et l'historique des transactions des comptes associés à l'adresse bitcoin {btc1[8]} et à l'adresse Ethereum {ETH[1]}, ainsi qu'au numéro de portable : 06 12 34 56 78.

La réponse est attendue avant le 2 mai 2026.

Cordialement,
Brigadier-chef Julien Moreau
Police nationale – OFAC
Tél : 01 40 97 00 00
julien.moreau@interieur.gouv.fr""",
    expect=E("subpoena", deadline="2026-05-02", ref="Procédure n° 2026/00123", jur="FR",
             targets=[T("btc_address", btc1[8]), T("eth_address", ETH[1]), T("phone", "+33612345678")]))

add("fr-requisition-pdf", lang="fr", sender="claire.dubois@gendarmerie.interieur.gouv.fr", sender_name="DUBOIS Claire",
    subject="Réquisition – transmission", date="Mon, 02 Mar 2026 16:00:00 +0100",
    body="""Bonjour,

Vous trouverez ci-joint une réquisition de la Gendarmerie nationale. Merci de bien vouloir y donner suite.

Cordialement,
Adjudant Claire Dubois""",
    pdf=("requisition.pdf", [
        "GENDARMERIE NATIONALE", "Section de recherches de Lyon", "", "PV n° 01234/2026", "",
        "RÉQUISITION JUDICIAIRE", "(article 77-1-1 du Code de procédure pénale)", "", "Madame, Monsieur,", "",
        "Nous requérons la société Exchange Example de nous communiquer les données",
        f"d'identification du titulaire de l'adresse Tron {trx[4]}",
        f"et du compte bancaire {S(iban['FR'][0])}.",
        f"Ancienne adresse signalée par la victime (erronée) : {ids.break_base58(btc1[9])}", "",
        "Réponse à fournir au plus tard le 15 mars 2026.", "", "Fait à Lyon, le 2 mars 2026"]),
    expect=E("subpoena", deadline="2026-03-15", ref="PV n° 01234/2026", jur="FR",
             targets=[T("tron_address", trx[4], "attachment:requisition.pdf"),
                      T("iban", iban['FR'][0], "attachment:requisition.pdf")], invalid=1))

add("fr-gel-des-avoirs", lang="fr", sender="paul.lefevre@douane.finances.gouv.fr", sender_name="LEFEVRE Paul",
    subject="URGENT – Demande de gel des avoirs", date="Tue, 03 Mar 2026 08:15:00 +0100",
    body=f"""Madame, Monsieur,

La Direction nationale du renseignement et des enquêtes douanières vous demande de procéder au gel des avoirs détenus sur les comptes liés aux adresses suivantes :

{bc1q[3]}
{xrp[1]}

Une décision de saisie pénale sera transmise dans les prochains jours. Merci de confirmer le blocage des fonds d'ici le 6 mars 2026.

Référence : DNRED-2026-0456

Bien cordialement,
Inspecteur Paul Lefèvre
DNRED
paul.lefevre@douane.finances.gouv.fr""",
    expect=E("freeze_request", urgent=True, deadline="2026-03-06", ref="Référence : DNRED-2026-0456", jur="FR",
             targets=[T("btc_address", bc1q[3]), T("xrp_address", xrp[1])]))

add("fr-conservation", lang="fr", sender="sophie.martin@interieur.gouv.fr", sender_name="MARTIN Sophie",
    subject="Demande de conservation des données", date="Wed, 04 Mar 2026 10:00:00 +0100",
    body=f"""Madame, Monsieur,

Dans le cadre d'une enquête préliminaire pour escroquerie en bande organisée, nous vous demandons la conservation des données relatives au compte utilisant l'adresse électronique {mails[7]} et l'adresse IP 203.0.113.54, dans l'attente d'une réquisition judiciaire.

Merci de nous confirmer la conservation sous 48 heures.

N° de procédure : 2026/331/OFAC

Cordialement,
Capitaine Sophie Martin
Office anti-cybercriminalité
Police nationale""",
    expect=E("preservation_request", deadline_text="sous 48 heures", ref="N° de procédure : 2026/331/OFAC", jur="FR",
             targets=[T("email", mails[7]), T("ip_address", "203.0.113.54")]))

add("fr-relance", lang="fr", sender="hugo.bernard@gendarmerie.interieur.gouv.fr", sender_name="BERNARD Hugo",
    subject="RE: Réquisition judiciaire – PV n° 00987/2026", date="Thu, 12 Mar 2026 09:00:00 +0100", reply=True,
    body="""Bonjour,

Sauf erreur de notre part, nous n'avons toujours pas reçu de réponse à notre réquisition ci-dessous. Nous vous remercions d'y répondre au plus tard le 20 mars 2026.

Cordialement,
Maréchal des logis-chef Hugo Bernard
Gendarmerie nationale""",
    quoted=("fr", "Hugo Bernard <hugo.bernard@gendarmerie.interieur.gouv.fr>", "lundi 2 mars 2026 10:15",
            "Réquisition judiciaire – PV n° 00987/2026",
            f"""Madame, Monsieur,

Par la présente réquisition judiciaire, nous vous demandons l'identité du titulaire de l'adresse {btc3[3]}, réponse avant le 9 mars 2026.

Hugo Bernard"""),
    expect=E("subpoena", deadline="2026-03-20", ref="PV n° 00987/2026", jur="FR",
             targets=[T("btc_address", btc3[3], "quoted")]))

add("fr-mainlevee", lang="fr", sender="paul.lefevre@douane.finances.gouv.fr", sender_name="LEFEVRE Paul",
    subject="Mainlevée du gel – Référence DNRED-2026-0456", date="Fri, 13 Mar 2026 14:00:00 +0100",
    body=f"""Madame, Monsieur,

Par la présente, nous vous informons de la mainlevée de la mesure de gel portant sur l'adresse {bc1q[3]}. Les fonds peuvent être restitués au titulaire.

Cordialement,
Inspecteur Paul Lefèvre
DNRED""",
    expect=E("other", ref="Référence DNRED-2026-0456", jur="FR", targets=[T("btc_address", bc1q[3])]))

add("fr-danger-imminent", lang="fr", sender="marc.petit@gendarmerie.interieur.gouv.fr", sender_name="PETIT Marc",
    subject="Demande urgente – danger imminent pour une personne", date="Sun, 08 Mar 2026 03:20:00 +0100",
    body=f"""Madame, Monsieur,

Une personne mineure a disparu et se trouve en danger imminent. Nous avons besoin immédiatement de l'adresse IP de connexion et du numéro de téléphone associés au compte {mails[8]}, qui a reçu un paiement depuis l'adresse {btc1[9]}.

Cordialement,
Lieutenant Marc Petit
Gendarmerie nationale
Tél : +33 1 84 22 10 00""",
    expect=E("emergency_disclosure", urgent=True, jur="FR",
             targets=[T("email", mails[8]), T("btc_address", btc1[9])]))

add("fr-belgique", lang="fr", sender="luc.janssens@police.belgium.eu", sender_name="JANSSENS Luc",
    subject="Réquisition – Parquet de Bruxelles", date="Mon, 16 Mar 2026 09:00:00 +0100",
    body=f"""Madame, Monsieur,

Sur réquisition du Parquet de Bruxelles, la Police fédérale (FCCU) vous prie de lui communiquer les données du titulaire du compte IBAN {iban['BE'][0]} et de l'adresse {btc1[10]}.

Délai de réponse : 05/04/2026.

PV n° BR.12.LL.012345/2026

Cordialement,
Inspecteur principal Luc Janssens
Police fédérale – FCCU""",
    expect=E("subpoena", deadline="2026-04-05", ref="PV n° BR.12.LL.012345/2026", jur="BE",
             targets=[T("iban", iban['BE'][0]), T("btc_address", btc1[10])]))

add("fr-commission-rogatoire-pdf", lang="fr", sender="greffe.cyber@justice.fr", sender_name="Greffe pôle cyber",
    subject="Commission rogatoire internationale", date="Wed, 04 Mar 2026 11:00:00 +0100",
    body="""Madame, Monsieur,

Veuillez trouver ci-joint une commission rogatoire internationale délivrée par un juge d'instruction du Tribunal judiciaire de Paris.

Cordialement,
Greffe du pôle cybercriminalité""",
    pdf=("commission-rogatoire.pdf", [
        "TRIBUNAL JUDICIAIRE DE PARIS", "Cabinet de Mme la juge d'instruction", "",
        "N° de parquet : 26012000123", "", "COMMISSION ROGATOIRE INTERNATIONALE", "", "Madame, Monsieur,", "",
        "Nous prions les autorités compétentes de faire communiquer par la société",
        "Exchange Example les informations relatives aux adresses", ETH[7], f"et {bc1p[2]},",
        f"ainsi qu'au compte e-mail {mails[9]}.", "", "Retour souhaité avant le 30 juin 2026.", "",
        "Paris, le 4 mars 2026"]),
    expect=E("mlat", deadline="2026-06-30", ref="N° de parquet : 26012000123", jur="FR",
             targets=[T("eth_address", ETH[7], "attachment:commission-rogatoire.pdf"),
                      T("btc_address", bc1p[2], "attachment:commission-rogatoire.pdf"),
                      T("email", mails[9], "attachment:commission-rogatoire.pdf")]))

# ------------------------------------------------------------------ Spanish
add("es-requerimiento", lang="es", sender="jruiz@guardiacivil.es", sender_name="Javier Ruiz",
    subject="Requerimiento judicial – Diligencias Previas 1234/2026", date="Mon, 02 Mar 2026 10:00:00 +0100",
    body=f"""Estimados señores:

En virtud del auto dictado por el Juzgado de Instrucción n.º 3 de Madrid en las Diligencias Previas 1234/2026, se les requiere para que aporten los datos identificativos y el historial de operaciones de la cuenta asociada a la dirección {btc1[11]} y al correo electrónico {mails[10]}.

La información deberá remitirse antes del 30 de abril de 2026.

Atentamente,
Sargento Javier Ruiz
Guardia Civil – Unidad Central Operativa
jruiz@guardiacivil.es
Teléfono: 915 14 60 00""",
    expect=E("subpoena", deadline="2026-04-30", ref="Diligencias Previas 1234/2026", jur="ES",
             targets=[T("btc_address", btc1[11]), T("email", mails[10])]))

add("es-solicitud-informacion", lang="es", sender="carlos.gomez@policia.es", sender_name="Carlos Gómez",
    subject="Solicitud de información", date="Tue, 03 Mar 2026 12:00:00 +0100",
    body=f"""Buenos días:

La Policía Nacional, en el marco de una investigación por estafa, solicita información sobre el titular de la cuenta vinculada al número de teléfono 612 345 678 y a la dirección Tron {trx[5]}.

Les rogamos respondan en un plazo de 10 días hábiles.

Atestado n.º 2026-004512

Un saludo,
Inspector Carlos Gómez
Policía Nacional – UDEF""",
    expect=E("information_request", deadline_text="en un plazo de 10 días hábiles", ref="Atestado n.º 2026-004512", jur="ES",
             targets=[T("phone", "+34612345678"), T("tron_address", trx[5])]))

add("es-bloqueo", lang="es", sender="ana.torres@fiscal.es", sender_name="Ana Torres",
    subject="Urgente: bloqueo de fondos", date="Wed, 04 Mar 2026 09:00:00 +0100",
    body=f"""Estimados señores:

La Fiscalía Provincial de Barcelona solicita el bloqueo de los fondos depositados en las cuentas vinculadas a las direcciones {ETH[0]} y {bc1q[4]}, así como de la cuenta bancaria {S(iban['ES'][0])}.

Rogamos confirmen el bloqueo a más tardar el 12 de marzo de 2026.

Expediente: FPB-2026-00871

Atentamente,
Fiscal Ana Torres
Fiscalía Provincial de Barcelona""",
    expect=E("freeze_request", urgent=True, deadline="2026-03-12", ref="Expediente: FPB-2026-00871", jur="ES",
             targets=[T("eth_address", ETH[0]), T("btc_address", bc1q[4]), T("iban", iban['ES'][0])]))

add("es-conservacion", lang="es", sender="marta.puig@mossos.cat", sender_name="Marta Puig",
    subject="Solicitud de conservación de datos", date="Thu, 05 Mar 2026 16:00:00 +0100",
    body=f"""Buenas tardes:

Los Mossos d'Esquadra solicitan la conservación de los datos asociados a la cuenta {mails[11]} y a la dirección IP 2001:db8:85a3::8a2e:370:7334 durante 90 días, a la espera de la correspondiente orden judicial.

Nuestra referencia: MEC-2026-1120

Saludos cordiales,
Agente Marta Puig
Mossos d'Esquadra – Àrea Central de Delictes Informàtics""",
    expect=E("preservation_request", ref="Nuestra referencia: MEC-2026-1120", jur="ES",
             targets=[T("email", mails[11]), T("ip_address", "2001:db8:85a3::8a2e:370:7334")]))

add("es-recordatorio", lang="es", sender="lnavarro@guardiacivil.es", sender_name="Luis Navarro",
    subject="RE: Solicitud de información – Atestado n.º 2026-000321", date="Wed, 11 Mar 2026 10:00:00 +0100", reply=True,
    body="""Buenos días:

Les recordamos que seguimos a la espera de respuesta a nuestra solicitud. Les rogamos contesten antes del 25 de marzo de 2026.

Un saludo,
Cabo Luis Navarro
Guardia Civil""",
    quoted=("es", "Luis Navarro <lnavarro@guardiacivil.es>", "lunes, 2 de marzo de 2026 9:30",
            "Solicitud de información – Atestado n.º 2026-000321",
            f"""Estimados señores:

Solicitamos información sobre el titular de la dirección {bc1q[5]} antes del 13 de marzo de 2026.

Luis Navarro"""),
    expect=E("information_request", deadline="2026-03-25", ref="Atestado n.º 2026-000321", jur="ES",
             targets=[T("btc_address", bc1q[5], "quoted")]))

add("es-levantamiento", lang="es", sender="ana.torres@fiscal.es", sender_name="Ana Torres",
    subject="Levantamiento del bloqueo – Expediente FPB-2026-00871", date="Fri, 13 Mar 2026 12:00:00 +0100",
    body=f"""Estimados señores:

Les comunicamos el levantamiento del bloqueo de los fondos asociados a la dirección {bc1q[4]}, al haberse archivado la causa.

Atentamente,
Fiscal Ana Torres
Fiscalía Provincial de Barcelona""",
    expect=E("other", ref="Expediente FPB-2026-00871", jur="ES", targets=[T("btc_address", bc1q[4])]))

add("es-riesgo-vida", lang="es", sender="carlos.gomez@policia.es", sender_name="Carlos Gómez",
    subject="Solicitud urgente – riesgo para la vida", date="Sat, 07 Mar 2026 04:00:00 +0100",
    body=f"""Buenos días:

Existe un riesgo inminente para la vida de una persona secuestrada. Necesitamos de inmediato los datos de conexión (IP) y el teléfono asociado a la cuenta {mails[12]}.

Un saludo,
Inspector Carlos Gómez
Policía Nacional""",
    expect=E("emergency_disclosure", urgent=True, jur="ES", targets=[T("email", mails[12])]))

add("es-comision-rogatoria", lang="es", sender="cooperacion@mjusticia.gob.es", sender_name="Cooperación Jurídica",
    subject="Comisión rogatoria internacional", date="Mon, 09 Mar 2026 10:00:00 +0100",
    body=f"""Estimados señores:

En ejecución de la comisión rogatoria internacional remitida por las autoridades de Argentina, el Juzgado Central de Instrucción n.º 5 de la Audiencia Nacional solicita los datos de la cuenta vinculada a la dirección {trx[6]} y a la transacción {tx[3]}.

Plazo: 15 días.

Procedimiento n.º 45/2026

Atentamente,
Letrado de la Administración de Justicia""",
    expect=E("mlat", deadline_text="Plazo: 15 días", ref="Procedimiento n.º 45/2026", jur="ES",
             targets=[T("tron_address", trx[6]), T("tx_hash", tx[3])]))

add("es-auto-pdf", lang="es", sender="juzgado12.madrid@justicia.madrid.org", sender_name="Juzgado de Instrucción 12",
    subject="Auto judicial – cesión de datos", date="Tue, 03 Mar 2026 13:00:00 +0100",
    body="""Estimados señores:

Se adjunta auto judicial por el que se acuerda la cesión de datos de un cliente de su plataforma. Rogamos su cumplimiento.

Atentamente,
Secretaría del Juzgado""",
    pdf=("auto.pdf", [
        "JUZGADO DE INSTRUCCIÓN N.º 12 DE MADRID", "", "Diligencias Previas n.º 2211/2025", "", "AUTO", "",
        "En Madrid, a 3 de marzo de 2026.", "", "PARTE DISPOSITIVA: Se acuerda requerir a Exchange Example para que",
        f"facilite la identidad del titular de la dirección {btc3[4]}",
        f"y del IBAN {iban['ES'][1]}, con un plazo máximo de 10 días.", "", "Notifíquese."]),
    expect=E("court_order", deadline_text="con un plazo máximo de 10 días", ref="Diligencias Previas n.º 2211/2025", jur="ES",
             targets=[T("btc_address", btc3[4], "attachment:auto.pdf"), T("iban", iban['ES'][1], "attachment:auto.pdf")]))

# ------------------------------------------------------------------ Italian
add("it-ordine-esibizione", lang="it", sender="marco.rinaldi@gdf.it", sender_name="Marco Rinaldi",
    subject="Ordine di esibizione – Proc. pen. n. 12345/2025 R.G.N.R.", date="Mon, 02 Mar 2026 11:00:00 +0100",
    body=f"""Spettabile società,

su delega della Procura della Repubblica di Milano, questo Nucleo di Polizia Economico-Finanziaria della Guardia di Finanza ordina l'esibizione della documentazione relativa al wallet {bc1q[6]} e al conto {S(iban['IT'][0])}.

La documentazione dovrà pervenire entro il 30 aprile 2026.

Distinti saluti,
Cap. Marco Rinaldi
Guardia di Finanza – Nucleo PEF Milano
Tel. 02 1234 5678""",
    expect=E("subpoena", deadline="2026-04-30", ref="Proc. pen. n. 12345/2025 R.G.N.R.", jur="IT",
             targets=[T("btc_address", bc1q[6]), T("iban", iban['IT'][0])]))

add("it-perquisizione", lang="it", sender="paolo.conti@carabinieri.it", sender_name="Paolo Conti",
    subject="Decreto di perquisizione informatica", date="Tue, 03 Mar 2026 09:00:00 +0100",
    body=f"""Spettabile società,

si trasmette il decreto di perquisizione informatica emesso dal Pubblico Ministero presso il Tribunale di Roma, relativo agli account associati all'indirizzo e-mail {mails[13]} e all'indirizzo Ethereum {ETH[2].lower()}.

Si chiede di fornire i dati entro e non oltre il 20 marzo 2026.

Procedimento penale n. 4567/2026 R.G.N.R.

Cordiali saluti,
Maresciallo Paolo Conti
Arma dei Carabinieri – Nucleo Investigativo di Roma""",
    expect=E("search_warrant", deadline="2026-03-20", ref="Procedimento penale n. 4567/2026 R.G.N.R.", jur="IT",
             targets=[T("email", mails[13]), T("eth_address", ETH[2])]))

add("it-sequestro-preventivo", lang="it", sender="luca.esposito@gdf.it", sender_name="Luca Esposito",
    subject="URGENTE – Sequestro preventivo di criptovalute", date="Wed, 04 Mar 2026 07:30:00 +0100",
    body=f"""Spettabile società,

in esecuzione del decreto di sequestro preventivo emesso dal GIP del Tribunale di Napoli, si richiede il blocco dei fondi presenti sui wallet {trx[7]} e {btc1[0]}.

Si prega di confermare il blocco entro 24 ore dalla ricezione.

Rif. 2026/GdF/00991

Distinti saluti,
Ten. Luca Esposito
Guardia di Finanza – Nucleo Speciale Tutela Privacy e Frodi Tecnologiche""",
    expect=E("freeze_request", urgent=True, deadline_text="entro 24 ore dalla ricezione", ref="Rif. 2026/GdF/00991", jur="IT",
             targets=[T("tron_address", trx[7]), T("btc_address", btc1[0])]))

add("it-conservazione", lang="it", sender="giulia.ferri@poliziadistato.it", sender_name="Giulia Ferri",
    subject="Richiesta di conservazione dei dati", date="Thu, 05 Mar 2026 10:00:00 +0100",
    body=f"""Spettabile società,

il Compartimento Polizia Postale di Milano chiede la conservazione dei dati di traffico e di registrazione relativi all'account {mails[14]}, utilizzato anche dal numero di cellulare 347 123 4567, in attesa del relativo decreto.

Nostro riferimento: CPP-MI-2026-0077

Cordiali saluti,
Ispettore Giulia Ferri
Polizia Postale e delle Comunicazioni""",
    expect=E("preservation_request", ref="Nostro riferimento: CPP-MI-2026-0077", jur="IT",
             targets=[T("email", mails[14]), T("phone", "+393471234567")]))

add("it-richiesta-informazioni", lang="it", sender="anna.greco@gdf.it", sender_name="Anna Greco",
    subject="Richiesta di informazioni", date="Fri, 06 Mar 2026 10:00:00 +0100",
    body=f"""Spettabile società,

nell'ambito di accertamenti antiriciclaggio, la Guardia di Finanza chiede informazioni sul titolare del wallet {xrp[2]} e sulla transazione {tx[4]}.

Si prega di rispondere entro 15 giorni lavorativi.

Fascicolo n. 88/2026

Cordiali saluti,
Brig. Anna Greco
Guardia di Finanza""",
    expect=E("information_request", deadline_text="entro 15 giorni lavorativi", ref="Fascicolo n. 88/2026", jur="IT",
             targets=[T("xrp_address", xrp[2]), T("tx_hash", tx[4])]))

add("it-sollecito", lang="it", sender="paolo.conti@carabinieri.it", sender_name="Paolo Conti",
    subject="R: Decreto di perquisizione – Procedimento penale n. 4567/2026 R.G.N.R.", date="Mon, 16 Mar 2026 09:00:00 +0100",
    reply=True,
    body="""Spettabile società,

non abbiamo ancora ricevuto riscontro alla richiesta sottostante. Si sollecita la risposta entro il 27 marzo 2026.

Cordiali saluti,
Maresciallo Paolo Conti
Arma dei Carabinieri""",
    quoted=("it", "Paolo Conti <paolo.conti@carabinieri.it>", "lunedì 2 marzo 2026 11:20",
            "Decreto di perquisizione – Procedimento penale n. 4567/2026 R.G.N.R.",
            f"""Spettabile società,

si trasmette il decreto di perquisizione relativo all'indirizzo {bc1q[7]}. Risposta entro il 13 marzo 2026.

Paolo Conti"""),
    expect=E("search_warrant", deadline="2026-03-27", ref="Procedimento penale n. 4567/2026 R.G.N.R.", jur="IT",
             targets=[T("btc_address", bc1q[7], "quoted")]))

add("it-dissequestro", lang="it", sender="luca.esposito@gdf.it", sender_name="Luca Esposito",
    subject="Dissequestro – Rif. 2026/GdF/00991", date="Tue, 17 Mar 2026 12:00:00 +0100",
    body=f"""Spettabile società,

si comunica il dissequestro dei fondi presenti sul wallet {trx[7]}: il blocco può essere rimosso.

Distinti saluti,
Ten. Luca Esposito
Guardia di Finanza""",
    expect=E("other", ref="Rif. 2026/GdF/00991", jur="IT", targets=[T("tron_address", trx[7])]))

add("it-pericolo-di-vita", lang="it", sender="elena.bruno@poliziadistato.it", sender_name="Elena Bruno",
    subject="Richiesta urgentissima – pericolo di vita", date="Sun, 08 Mar 2026 01:30:00 +0100",
    body=f"""Spettabile società,

una ragazza scomparsa è in pericolo di vita. Chiediamo immediatamente gli indirizzi IP di accesso e il numero di telefono collegati all'account {mails[15]}.

Cordiali saluti,
Commissario Elena Bruno
Polizia di Stato – Squadra Mobile di Torino""",
    expect=E("emergency_disclosure", urgent=True, jur="IT", targets=[T("email", mails[15])]))

add("it-decreto-pdf", lang="it", sender="segreteria.pm@giustizia.it", sender_name="Segreteria PM",
    subject="Trasmissione decreto", date="Thu, 05 Mar 2026 15:00:00 +0100",
    body="""Spettabile società,

si trasmette in allegato il decreto del GIP per gli adempimenti di competenza.

Cordiali saluti,
Segreteria del PM""",
    pdf=("decreto.pdf", [
        "TRIBUNALE ORDINARIO DI MILANO", "Ufficio del Giudice per le indagini preliminari", "",
        "Proc. pen. n. 7788/2026 R.G.N.R.", "", "DECRETO", "",
        "Il Giudice, letta la richiesta del Pubblico Ministero,", "ORDINA",
        "alla società Exchange Example di consegnare i dati relativi al wallet", ETH[3],
        f"e al conto {iban['IT'][1]},", "entro il 15 aprile 2026.", "", "Milano, 5 marzo 2026"]),
    expect=E("court_order", deadline="2026-04-15", ref="Proc. pen. n. 7788/2026 R.G.N.R.", jur="IT",
             targets=[T("eth_address", ETH[3], "attachment:decreto.pdf"), T("iban", iban['IT'][1], "attachment:decreto.pdf")]))

# ------------------------------------------------------------------ Dutch
add("nl-vordering", lang="nl", sender="sanne.de.vries@politie.nl", sender_name="Sanne de Vries",
    subject="Vordering verstrekking gegevens (art. 126nd Sv)", date="Mon, 02 Mar 2026 09:00:00 +0100",
    body=f"""Geachte heer/mevrouw,

Hierbij vordert de officier van justitie van het Openbaar Ministerie, op grond van artikel 126nd van het Wetboek van Strafvordering, de verstrekking van de identificerende gegevens van de gebruiker van het adres {bc1q[0]} en het e-mailadres {mails[16]}.

De gegevens dienen uiterlijk 12 mei 2026 te worden verstrekt.

Parketnummer: 10/123456-26

Met vriendelijke groet,
Inspecteur Sanne de Vries
Politie Eenheid Amsterdam, Team Cybercrime""",
    expect=E("subpoena", deadline="2026-05-12", ref="Parketnummer: 10/123456-26", jur="NL",
             targets=[T("btc_address", bc1q[0]), T("email", mails[16])]))

add("nl-bevriezen", lang="nl", sender="j.bakker@fiod.nl", sender_name="Jeroen Bakker",
    subject="Verzoek tot bevriezen van tegoeden – spoed", date="Tue, 03 Mar 2026 08:00:00 +0100",
    body=f"""Geachte heer/mevrouw,

De FIOD verzoekt u met spoed over te gaan tot het blokkeren van de tegoeden op de volgende adressen:

{trx[8]}
{ETH[4]}

Conservatoir beslag wordt voorbereid. Graag ontvangen wij uw bevestiging vóór 10 maart 2026.

BVH-nummer: 2026045678

Met vriendelijke groet,
Mr. Jeroen Bakker
FIOD""",
    expect=E("freeze_request", urgent=True, deadline="2026-03-10", ref="BVH-nummer: 2026045678", jur="NL",
             targets=[T("tron_address", trx[8]), T("eth_address", ETH[4])]))

add("nl-verzoek-informatie", lang="nl", sender="mark.visser@politie.nl", sender_name="Mark Visser",
    subject="Verzoek om informatie", date="Wed, 04 Mar 2026 14:00:00 +0100",
    body=f"""Geachte heer/mevrouw,

In het kader van een onderzoek naar oplichting verzoekt de politie u om informatie over de houder van het account met telefoonnummer 06 12345678 en IBAN {S(iban['NL'][0])}.

Wij verzoeken u binnen 10 werkdagen te reageren.

Registratienummer: PL1300-2026012345

Met vriendelijke groet,
Hoofdagent Mark Visser
Politie Eenheid Rotterdam""",
    expect=E("information_request", deadline_text="binnen 10 werkdagen", ref="Registratienummer: PL1300-2026012345", jur="NL",
             targets=[T("phone", "+31612345678"), T("iban", iban['NL'][0])]))

add("nl-bewaring", lang="nl", sender="eva.mulder@om.nl", sender_name="Eva Mulder",
    subject="Verzoek tot bewaring van gegevens", date="Thu, 05 Mar 2026 11:00:00 +0100",
    body=f"""Geachte heer/mevrouw,

Het Openbaar Ministerie verzoekt u de gegevens met betrekking tot het account {mails[17]} en het IP-adres 192.0.2.77 te bewaren voor een periode van 90 dagen, in afwachting van een vordering tot verstrekking.

Zaaknummer: 2026-OM-5512

Met vriendelijke groet,
Parketsecretaris Eva Mulder
Arrondissementsparket Den Haag""",
    expect=E("preservation_request", ref="Zaaknummer: 2026-OM-5512", jur="NL",
             targets=[T("email", mails[17]), T("ip_address", "192.0.2.77")]))

add("nl-herinnering", lang="nl", sender="sanne.de.vries@politie.nl", sender_name="Sanne de Vries",
    subject="RE: Vordering verstrekking gegevens – Parketnummer 13/654321-26", date="Mon, 16 Mar 2026 09:00:00 +0100",
    reply=True,
    body="""Geachte heer/mevrouw,

Wij hebben nog geen reactie ontvangen op onderstaande vordering. Wij verzoeken u uiterlijk 26 maart 2026 te reageren.

Met vriendelijke groet,
Inspecteur Sanne de Vries
Politie""",
    quoted=("nl", "Sanne de Vries <sanne.de.vries@politie.nl>", "maandag 2 maart 2026 08:45",
            "Vordering verstrekking gegevens – Parketnummer 13/654321-26",
            f"""Geachte heer/mevrouw,

Hierbij vordering tot verstrekking van gegevens van de gebruiker van {btc3[5]}, uiterlijk 12 maart 2026.

Sanne de Vries"""),
    expect=E("subpoena", deadline="2026-03-26", ref="Parketnummer 13/654321-26", jur="NL",
             targets=[T("btc_address", btc3[5], "quoted")]))

add("nl-opheffing-beslag", lang="nl", sender="j.bakker@fiod.nl", sender_name="Jeroen Bakker",
    subject="Opheffing van het beslag – BVH-nummer 2026045678", date="Tue, 17 Mar 2026 10:00:00 +0100",
    body=f"""Geachte heer/mevrouw,

Hierbij delen wij u mee dat tot opheffing van het beslag op de tegoeden van adres {trx[8]} is besloten. De blokkade mag worden opgeheven.

Met vriendelijke groet,
Mr. Jeroen Bakker
FIOD""",
    expect=E("other", ref="BVH-nummer 2026045678", jur="NL", targets=[T("tron_address", trx[8])]))

add("nl-levensgevaar", lang="nl", sender="daan.smit@politie.nl", sender_name="Daan Smit",
    subject="Spoedverzoek – acuut levensgevaar", date="Sat, 07 Mar 2026 23:10:00 +0100",
    body=f"""Geachte heer/mevrouw,

Er is sprake van acuut levensgevaar voor een vermiste persoon. Wij verzoeken u onmiddellijk de IP-adressen en het telefoonnummer te verstrekken die horen bij het account {mails[18]}.

Met vriendelijke groet,
Rechercheur Daan Smit
Politie Eenheid Utrecht
Tel: +31 30 123 4567""",
    expect=E("emergency_disclosure", urgent=True, jur="NL", targets=[T("email", mails[18])]))

add("nl-rechtshulpverzoek", lang="nl", sender="k.dejong@om.nl", sender_name="K. de Jong",
    subject="Rechtshulpverzoek uit Duitsland", date="Mon, 09 Mar 2026 10:00:00 +0100",
    body=f"""Geachte heer/mevrouw,

In het kader van een inkomend rechtshulpverzoek van de Duitse autoriteiten verzoekt het Landelijk Parket u om de klantgegevens en transacties van het adres {bc1p[3]} en de transactie {tx[5]} te verstrekken.

Graag ontvangen wij de gegevens vóór 17 april 2026.

Kenmerk: LP-RH-2026-0190

Met vriendelijke groet,
Officier van justitie mr. K. de Jong
Landelijk Parket""",
    expect=E("mlat", deadline="2026-04-17", ref="Kenmerk: LP-RH-2026-0190", jur="NL",
             targets=[T("btc_address", bc1p[3]), T("tx_hash", tx[5])]))

add("nl-vordering-pdf", lang="nl", sender="parket.rotterdam@om.nl", sender_name="Arrondissementsparket Rotterdam",
    subject="Vordering – zie bijlage", date="Fri, 06 Mar 2026 09:00:00 +0100",
    body="""Geachte heer/mevrouw,

Bijgaand treft u een vordering van de officier van justitie aan. Wij verzoeken u deze zo spoedig mogelijk af te handelen.

Met vriendelijke groet,
Arrondissementsparket Rotterdam""",
    pdf=("vordering.pdf", [
        "OPENBAAR MINISTERIE", "Arrondissementsparket Rotterdam", "", "Parketnummer: 10/987654-26", "",
        "VORDERING VERSTREKKING GEGEVENS (artikel 126nd Sv)", "", "Geachte heer/mevrouw,", "",
        "De officier van justitie vordert de verstrekking van de gegevens van de",
        f"gebruiker van het Litecoin-adres {ltc[2]}", "en van het telefoonnummer 010 123 4567.", "",
        "Termijn: uiterlijk 3 april 2026.", "", "Rotterdam, 6 maart 2026"]),
    expect=E("subpoena", urgent=True, deadline="2026-04-03", ref="Parketnummer: 10/987654-26", jur="NL",
             targets=[T("ltc_address", ltc[2], "attachment:vordering.pdf"), T("phone", "+31101234567", "attachment:vordering.pdf")]))

# ------------------------------------------------------------------ Portuguese
add("pt-pedido-informacao", lang="pt", sender="rui.almeida@pj.pt", sender_name="Rui Almeida",
    subject="Pedido de informação – NUIPC 123/26.4JALSB", date="Mon, 02 Mar 2026 10:00:00 +0000",
    body=f"""Exmos. Senhores,

No âmbito do inquérito em referência, a Polícia Judiciária solicita informação sobre o titular da conta associada ao endereço {btc1[1]} e ao endereço de correio eletrónico {mails[19]}.

A resposta deverá ser enviada até 30 de abril de 2026.

Com os melhores cumprimentos,
Inspetor Rui Almeida
Polícia Judiciária – UNC3T
Tel.: +351 21 132 2000""",
    expect=E("information_request", deadline="2026-04-30", ref="NUIPC 123/26.4JALSB", jur="PT",
             targets=[T("btc_address", btc1[1]), T("email", mails[19])]))

add("pt-bloqueio", lang="pt", sender="helena.sousa@pgr.pt", sender_name="Helena Sousa",
    subject="Urgente – bloqueio de fundos", date="Tue, 03 Mar 2026 09:00:00 +0000",
    body=f"""Exmos. Senhores,

O DCIAP solicita o bloqueio dos saldos das contas associadas aos endereços {trx[9]} e {ETH[5].lower()}, bem como da conta bancária {iban['PT'][0]}.

Solicita-se confirmação no prazo de 48 horas.

Processo n.º 456/26.0TELSB

Com os melhores cumprimentos,
Procuradora Helena Sousa
DCIAP""",
    expect=E("freeze_request", urgent=True, deadline_text="no prazo de 48 horas", ref="Processo n.º 456/26.0TELSB", jur="PT",
             targets=[T("tron_address", trx[9]), T("eth_address", ETH[5]), T("iban", iban['PT'][0])]))

add("pt-preservacao", lang="pt", sender="marta.costa@pj.pt", sender_name="Marta Costa",
    subject="Pedido de preservação de dados", date="Wed, 04 Mar 2026 15:00:00 +0000",
    body=f"""Exmos. Senhores,

Solicita-se a preservação dos dados relativos à conta {mails[20]} e ao endereço IP 198.51.100.200, pelo período de 90 dias, enquanto aguardamos o respetivo mandado judicial.

Inquérito n.º 789/26.1JAPRT

Cumprimentos,
Inspetora Marta Costa
Polícia Judiciária – Diretoria do Norte""",
    expect=E("preservation_request", ref="Inquérito n.º 789/26.1JAPRT", jur="PT",
             targets=[T("email", mails[20]), T("ip_address", "198.51.100.200")]))

add("pt-mandado-busca", lang="pt", sender="rui.almeida@pj.pt", sender_name="Rui Almeida",
    subject="Mandado de busca – dados informáticos", date="Thu, 05 Mar 2026 10:00:00 +0000",
    body=f"""Exmos. Senhores,

Remete-se o mandado de busca emitido pelo Juiz de Instrução Criminal de Lisboa, relativo às contas associadas ao endereço {bc1q[1]} e ao telemóvel 912 345 678.

Os dados devem ser entregues até 10 de abril de 2026.

Processo n.º 321/26.7JGLSB

Com os melhores cumprimentos,
Inspetor Rui Almeida
Polícia Judiciária""",
    expect=E("search_warrant", deadline="2026-04-10", ref="Processo n.º 321/26.7JGLSB", jur="PT",
             targets=[T("btc_address", bc1q[1]), T("phone", "+351912345678")]))

add("pt-lembrete", lang="pt", sender="rui.almeida@pj.pt", sender_name="Rui Almeida",
    subject="RE: Pedido de informação – NUIPC 555/26.2JALSB", date="Mon, 16 Mar 2026 10:00:00 +0000", reply=True,
    body="""Exmos. Senhores,

Ainda não recebemos resposta ao pedido abaixo. Agradecemos resposta até 27 de março de 2026.

Com os melhores cumprimentos,
Inspetor Rui Almeida
Polícia Judiciária""",
    quoted=("pt", "Rui Almeida <rui.almeida@pj.pt>", "segunda-feira, 2 de março de 2026 10:00",
            "Pedido de informação – NUIPC 555/26.2JALSB",
            f"""Exmos. Senhores,

Solicitamos informação sobre o titular do endereço {btc1[2]}, até 13 de março de 2026.

Rui Almeida"""),
    expect=E("information_request", deadline="2026-03-27", ref="NUIPC 555/26.2JALSB", jur="PT",
             targets=[T("btc_address", btc1[2], "quoted")]))

add("pt-levantamento", lang="pt", sender="helena.sousa@pgr.pt", sender_name="Helena Sousa",
    subject="Levantamento do bloqueio – Processo n.º 456/26.0TELSB", date="Tue, 17 Mar 2026 12:00:00 +0000",
    body=f"""Exmos. Senhores,

Informa-se que foi determinado o levantamento do bloqueio dos saldos associados ao endereço {trx[9]}.

Com os melhores cumprimentos,
Procuradora Helena Sousa
DCIAP""",
    expect=E("other", ref="Processo n.º 456/26.0TELSB", jur="PT", targets=[T("tron_address", trx[9])]))

add("pt-perigo-de-vida", lang="pt", sender="pedro.lopes@psp.pt", sender_name="Pedro Lopes",
    subject="Pedido urgente – perigo de vida", date="Sun, 08 Mar 2026 02:00:00 +0000",
    body=f"""Exmos. Senhores,

Uma criança desaparecida encontra-se em perigo de vida. Solicitamos imediatamente os endereços IP e o número de telefone associados à conta {mails[21]}.

Com os melhores cumprimentos,
Subcomissário Pedro Lopes
Polícia de Segurança Pública""",
    expect=E("emergency_disclosure", urgent=True, jur="PT", targets=[T("email", mails[21])]))

add("pt-carta-rogatoria", lang="pt", sender="gcjp@pgr.pt", sender_name="Gabinete de Cooperação",
    subject="Carta rogatória internacional", date="Mon, 09 Mar 2026 11:00:00 +0000",
    body=f"""Exmos. Senhores,

Em cumprimento de carta rogatória proveniente das autoridades do Brasil, a Procuradoria-Geral da República solicita os dados da conta associada ao endereço {btc3[0]} e à transação {tx[6]}.

Prazo: 20 dias.

Processo n.º 12/26.3YRLSB

Com os melhores cumprimentos,
Gabinete de Cooperação Judiciária e Policial""",
    expect=E("mlat", deadline_text="Prazo: 20 dias", ref="Processo n.º 12/26.3YRLSB", jur="PT",
             targets=[T("btc_address", btc3[0]), T("tx_hash", tx[6])]))

add("pt-despacho-pdf", lang="pt", sender="lisboa.jic@tribunais.org.pt", sender_name="Juízo Central de Instrução Criminal",
    subject="Despacho judicial", date="Fri, 06 Mar 2026 14:00:00 +0000",
    body="""Exmos. Senhores,

Junto se remete despacho judicial para cumprimento, com os dados em anexo.

Com os melhores cumprimentos,
Secção de Processos""",
    pdf=("despacho.pdf", [
        "TRIBUNAL JUDICIAL DA COMARCA DE LISBOA", "Juízo Central de Instrução Criminal", "",
        "Processo n.º 999/26.5T9LSB", "", "DESPACHO", "",
        "Determino que a entidade Exchange Example forneça os dados de registo e",
        f"as transações da carteira {bc1q[2]} e do endereço {trx[0]},", "no prazo de 10 dias.", "",
        "Lisboa, 6 de março de 2026"]),
    expect=E("court_order", deadline_text="no prazo de 10 dias", ref="Processo n.º 999/26.5T9LSB", jur="PT",
             targets=[T("btc_address", bc1q[2], "attachment:despacho.pdf"), T("tron_address", trx[0], "attachment:despacho.pdf")]))

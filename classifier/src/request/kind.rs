//! The kind of legal process: chosen by the main action the message asks for. Each kind
//! has phrases in the seven languages requests arrive in, weighted by how decisive they
//! are (a document title weighs more than a verb). New text speaks louder than letters,
//! letters louder than quoted history; an administrative action in the new text (a hold
//! released, a case closed) makes the message `other` whatever process it mentions.

use super::layers::{Layer, Piece, SetMember, Texts};
use crate::assessment::RequestKind;
use crate::text::PatternSet;
use regex::Regex;
use std::sync::LazyLock;

struct Cue {
    kind: RequestKind,
    weight: f32,
    pattern: String,
}

fn cue(kind: RequestKind, weight: f32, pattern: &str) -> Cue {
    Cue {
        kind,
        weight,
        pattern: format!(r"(?i)\b(?:{pattern})"),
    }
}

/// The cues, and their patterns as one set: most texts hold few cues or none.
struct Cues {
    cues: Vec<Cue>,
    patterns: PatternSet,
}

static CUES: LazyLock<Cues> = LazyLock::new(|| {
    let cues = cue_list();
    let patterns: Vec<&str> = cues.iter().map(|c| c.pattern.as_str()).collect();
    let patterns = PatternSet::new(&patterns).unwrap_or_else(|e| panic!("kind patterns: {e}"));
    Cues { cues, patterns }
});

/// The cue patterns, for the one scan of each piece ([`SetMember`]).
pub(super) fn pattern_set() -> &'static PatternSet {
    &CUES.patterns
}

fn cue_list() -> Vec<Cue> {
    use RequestKind::*;
    vec![
        // Subpoenas and their foreign equivalents.
        cue(
            Subpoena,
            10.0,
            r"grand\s+jury\s+subpoena|administrative\s+subpoena|subpoena\s+duces\s+tecum|civil\s+investigative\s+demand",
        ),
        cue(Subpoena, 7.0, r"subpoena|summons"),
        cue(
            Subpoena,
            9.0,
            r"réquisition\s+judiciaire|réquisitions?\s+(?:aux\s+fins|sur\s+le\s+fondement|en\s+application)",
        ),
        cue(Subpoena, 7.0, r"réquisitions?\b"),
        cue(
            Subpoena,
            9.0,
            r"vordering\s+(?:tot\s+)?(?:het\s+)?(?:verstrekk|uitlever)\w*|vordering\s+(?:ex\s+)?(?:artikel|art\.)\s*126",
        ),
        cue(Subpoena, 7.0, r"vordering\b"),
        cue(
            Subpoena,
            8.0,
            r"ordine\s+di\s+esibizione|richiesta\s+di\s+esibizione",
        ),
        cue(
            Subpoena,
            8.0,
            r"requerimiento\s+judicial|mandamiento\s+judicial",
        ),
        cue(Subpoena, 8.0, r"notificação\s+judicial|intimação"),
        cue(Subpoena, 8.0, r"herausgabeverlangen|herausgabeersuchen"),
        // Court orders.
        cue(
            CourtOrder,
            10.0,
            r"2703\s*\(\s*d\s*\)|production\s+order|court\s+order|order\s+of\s+the\s+court|gerichtlicher\s+beschluss|richterlicher\s+beschluss",
        ),
        cue(
            CourtOrder,
            8.0,
            r"beschluss\b|ordonnance\b|auto\s+judicial|orden\s+judicial|decreto\s+(?:di|del)\s+(?:giudice|gip|tribunale)|ordinanza\b|rechterlijk\s+bevel|beschikking\b|despacho\s+judicial|ordem\s+judicial|mandado\s+judicial",
        ),
        cue(
            CourtOrder,
            5.0,
            r"(?:it\s+is\s+(?:hereby\s+)?ordered|wird\s+angeordnet|ordonnons|se\s+acuerda|si\s+ordina|wordt\s+bevolen|determino)",
        ),
        // Search warrants.
        cue(
            SearchWarrant,
            11.0,
            r"search\s+(?:and\s+seizure\s+)?warrant|durchsuchungsbeschluss|durchsuchungsanordnung|mandat\s+de\s+perquisition|ordonnance\s+de\s+perquisition|orden\s+de\s+(?:entrada\s+y\s+)?registro|decreto\s+di\s+perquisizione|huiszoekingsbevel|bevel\s+tot\s+doorzoeking|mandado\s+de\s+busca",
        ),
        // Preservation.
        cue(
            PreservationRequest,
            10.0,
            r"2703\s*\(\s*f\s*\)|preservation\s+(?:request|letter|order|notice)|request\s+(?:for|to)\s+preserv\w*|sicherungsanordnung|sicherung\s+(?:von|der)\s+(?:daten|bestandsdaten|verkehrsdaten|kontodaten)|datensicherung|demande\s+de\s+conservation|conservation\s+(?:des|de)\s+(?:données|donnees)|conservación\s+de\s+(?:los\s+)?datos|preservación\s+de\s+(?:los\s+)?datos|conservazione\s+(?:dei|di)\s+dati|bewaring\s+van\s+(?:de\s+)?gegevens|bevriezing\s+van\s+(?:de\s+)?gegevens|gegevens\s+(?:te\s+)?bewaren|preservação\s+(?:de|dos)\s+dados|conservação\s+(?:de|dos)\s+dados",
        ),
        cue(
            PreservationRequest,
            5.0,
            r"preserve|preservation|zu\s+sichern|sichern\s+sie|conserver|conservar|conservare|bewaren|preservar",
        ),
        // Emergencies.
        cue(
            EmergencyDisclosure,
            12.0,
            r"emergency\s+(?:disclosure|data)\s+request|emergency\s+disclosure|demande\s+(?:urgente\s+)?de\s+divulgation\s+d['’]urgence|notfall-?(?:auskunfts)?ersuchen|solicitud\s+de\s+divulgación\s+de\s+emergencia",
        ),
        cue(
            EmergencyDisclosure,
            9.0,
            r"emergency\s+request|\bEDR\b|imminent\s+(?:danger|threat|risk)|threat\s+to\s+(?:human\s+)?life|risk\s+to\s+life|danger\s+of\s+death|2702\s*\(\s*[bc]\s*\)|gefahr\s+für\s+(?:leib\s+(?:und|oder)\s+leben|das\s+leben)|lebensgefahr|danger\s+(?:imminent|de\s+mort)|urgence\s+vitale|péril\s+imminent|peligro\s+(?:inminente|para\s+la\s+vida)|riesgo\s+(?:inminente|para\s+la\s+vida)|pericolo\s+(?:di\s+vita|imminente|per\s+la\s+vita)|levensgevaar|acuut\s+(?:gevaar|levensgevaar)|perigo\s+(?:iminente|de\s+vida|para\s+a\s+vida)|risco\s+de\s+vida",
        ),
        cue(
            EmergencyDisclosure,
            5.0,
            r"kidnapp\w*|abducted|suicid\w*|entführ\w*|enlèvement|secuestrad\w*|rapit\w*|ontvoer\w*|raptad\w*",
        ),
        // Freezing, holding, seizing funds.
        cue(
            FreezeRequest,
            10.0,
            r"freeze\s+(?:request|order|letter)|(?:freeze|hold|block|restrain|seize)\s+(?:all\s+)?(?:the\s+)?(?:funds|assets|account|accounts|wallet|wallets|balances?)|seizure\s+warrant|restraint\s+order|vermögensarrest|arrestbeschluss|einfrieren|einzufrieren|kontosperre|sperrung\s+(?:des|der)\s+(?:kontos?|guthabens?|wallets?|vermögenswerte)|gel\s+des\s+(?:avoirs|fonds|actifs|comptes?)|geler\s+(?:les|le|la)|blocage\s+des\s+(?:fonds|avoirs|actifs|comptes?)|saisie\s+pénale|bloqueo\s+de\s+(?:los\s+)?(?:fondos|activos|cuentas?|saldos?)|congelación\s+de|embargo\s+preventivo|sequestro\s+preventivo|blocco\s+(?:dei|di|del)\s+(?:fondi|conti|conto|beni|wallet)|congelamento\s+(?:dei|di|del|dos|de)|conservatoir\s+beslag|beslag(?:legging)?\s+op|bevriezen\s+van\s+(?:de\s+)?(?:tegoeden|rekening|wallet)|blokkeren\s+van|bloqueio\s+(?:de|dos|das)\s+(?:fundos|ativos|contas?|saldos?)|arresto\s+preventivo|apreensão\s+de",
        ),
        cue(
            FreezeRequest,
            6.0,
            r"freeze|freezing|frozen|sperren|beschlagnahme|geler|bloquear|congelar|congelare|bevriezen|bloquear|congelamento",
        ),
        // Requests for information.
        cue(
            InformationRequest,
            8.0,
            r"request\s+for\s+information|information\s+request|voluntary\s+disclosure|auskunftsersuchen|auskunftsverlangen|bitte\s+um\s+auskunft|demande\s+d['’]informations?|demande\s+de\s+renseignements|solicitud\s+de\s+información|requerimiento\s+de\s+información|richiesta\s+di\s+informazioni|verzoek\s+om\s+(?:informatie|inlichtingen)|informatieverzoek|pedido\s+de\s+informa(?:ção|ções)|solicitação\s+de\s+informa(?:ção|ções)",
        ),
        cue(
            InformationRequest,
            4.0,
            r"auskunft|renseignements|informazioni|inlichtingen|subscriber\s+information|kyc\s+information",
        ),
        // Mutual legal assistance.
        cue(
            Mlat,
            11.0,
            r"mutual\s+legal\s+assistance|\bMLAT?\b|letters?\s+rogatory|rechtshilfe\w*|commission\s+rogatoire|entraide\s+(?:pénale|judiciaire)\s+internationale|comisión\s+rogatoria|asistencia\s+(?:jurídica|judicial)\s+mutua|rogatoria\s+internazionale|assistenza\s+giudiziaria|rechtshulpverzoek|rechtshulp|auxílio\s+judiciário\s+mútuo|carta\s+rogatória|european\s+investigation\s+order|europäische\s+ermittlungsanordnung|décision\s+d['’]enquête\s+européenne|orden\s+europea\s+de\s+investigación|ordine\s+europeo\s+di\s+indagine|europees\s+onderzoeksbevel|decisão\s+europeia\s+de\s+investigação",
        ),
    ]
}

/// Administrative actions: the message asks for no process, it manages one.
static ADMINISTRATIVE: LazyLock<Regex> = LazyLock::new(|| {
    crate::text::compile(
        r"(?ix)\b(?:
            change\s+of\s+(?:the\s+)?(?:case\s+)?agent|new\s+case\s+agent|(?:point\s+of\s+contact|case\s+agent)\s+(?:has\s+)?chang\w*
            |(?:release|lift|remove)\s+(?:the\s+)?(?:hold|freeze|restriction|block)|(?:hold|freeze|restriction)\s+(?:can|may)\s+be\s+(?:released|lifted)
            |case\s+(?:is\s+|has\s+been\s+)?(?:closed|closure)|withdraw\w*\s+(?:the\s+|our\s+)?(?:request|subpoena|order)
            |freigabe\s+(?:des|der)|(?:aufhebung|aufheben)\s+(?:der|die|des)\s+(?:sperr\w*|sicherung|einfrierung|beschlagnahme)|verfahren\s+(?:wurde\s+)?(?:ist\s+)?eingestellt|neue[rn]?\s+sachbearbeiter\w*
            |mainlevée|levée\s+(?:du|de\s+la|des)\s+(?:gel|blocage|saisie|mesures?)|classement\s+sans\s+suite|nouvel\s+enquêteur|nouvelle\s+enquêtrice
            |levantamiento\s+del?\s+(?:bloqueo|embargo|congelación)|desbloqueo|archivo\s+de\s+las\s+(?:diligencias|actuaciones)|nuevo\s+agente\s+(?:instructor|responsable)
            |dissequestro|revoca\s+del\s+(?:sequestro|blocco)|archiviazione\s+del\s+procedimento|nuovo\s+referente
            |opheffing\s+van\s+(?:het\s+)?(?:beslag|blokkade|bevriezing)|vrijgave\s+van|zaak\s+(?:is\s+)?(?:gesloten|geseponeerd)|nieuwe\s+behandelaar
            |levantamento\s+do\s+(?:bloqueio|arresto|congelamento)|desbloqueio|arquivamento\s+do\s+(?:processo|inquérito)|novo\s+(?:inspetor|investigador)\s+responsável
        )",
    )
    .unwrap_or_else(|e| panic!("administrative regex: {e}"))
});

/// Words that make a mention of a process a mention of the future ("a subpoena will
/// follow"): it is not what this message asks for.
static FUTURE: LazyLock<Regex> = LazyLock::new(|| {
    crate::text::compile(
        r"(?i)will\s+(?:follow|be\s+(?:served|sent|issued|obtained|forthcoming))|to\s+follow|forthcoming|in\s+preparation|being\s+(?:prepared|sought|obtained)|wird\s+(?:folgen|nachgereicht|beantragt|erwirkt)|folgt|suivra|sera\s+(?:transmis|délivré)e?|seguirá|será\s+(?:remitid|enviad|emitid)|seguirà|sarà\s+(?:trasmess|emess)|volgt|zal\s+volgen|será\s+(?:enviad|emitid)",
    )
    .unwrap_or_else(|e| panic!("future regex: {e}"))
});
static PENDING: LazyLock<Regex> = LazyLock::new(|| {
    crate::text::compile(r"(?i)(?:pending|awaiting|until\s+(?:we|you)\s+(?:obtain|receive|serve)|in\s+anticipation\s+of|bis\s+zur?\s+(?:vorlage|zustellung)|dans\s+l['’]attente\s+d|(?:en|a\s+la)\s+espera\s+de|in\s+attesa\s+d|in\s+afwachting\s+van|enquanto\s+aguard\w*)\W+(?:\w+\W+){0,4}$")
        .unwrap_or_else(|e| panic!("pending regex: {e}"))
});

/// How much each layer counts.
fn layer_weight(layer: Layer) -> f32 {
    match layer {
        Layer::Subject => 1.5,
        Layer::NewBody => 1.0,
        Layer::Attachment => 1.0,
        Layer::Quoted => 0.4,
    }
}

/// When two kinds score the same, the one that needs a reviewer soonest wins.
const PRECEDENCE: [RequestKind; 8] = [
    RequestKind::EmergencyDisclosure,
    RequestKind::SearchWarrant,
    RequestKind::FreezeRequest,
    RequestKind::CourtOrder,
    RequestKind::Mlat,
    RequestKind::Subpoena,
    RequestKind::PreservationRequest,
    RequestKind::InformationRequest,
];

/// Scores of every kind in one text: the strongest cue, plus a little for each other.
fn score_text(piece: &Piece) -> [f32; 8] {
    let text = piece.text();
    let mut best = [0f32; 8];
    let mut extra = [0f32; 8];
    for (i, re) in piece.matching(SetMember::Kind) {
        let Some(cue) = CUES.cues.get(i) else {
            continue;
        };
        let Some(slot) = PRECEDENCE.iter().position(|k| *k == cue.kind) else {
            continue;
        };
        for m in re.find_iter(text) {
            let after = text
                .get(m.end()..)
                .map(|t| prefix_chars(t, 60))
                .unwrap_or("");
            let before = text
                .get(..m.start())
                .map(|t| suffix_chars(t, 60))
                .unwrap_or("");
            let weight = if FUTURE.is_match(after) || PENDING.is_match(before) {
                cue.weight / 4.0
            } else {
                cue.weight
            };
            if let (Some(b), Some(e)) = (best.get_mut(slot), extra.get_mut(slot)) {
                if weight > *b {
                    *e += *b * 0.1;
                    *b = weight;
                } else {
                    *e += weight * 0.1;
                }
            }
        }
    }
    let mut out = [0f32; 8];
    for (i, o) in out.iter_mut().enumerate() {
        *o = best.get(i).copied().unwrap_or(0.0) + extra.get(i).copied().unwrap_or(0.0).min(3.0);
    }
    out
}

fn prefix_chars(s: &str, n: usize) -> &str {
    match s.char_indices().nth(n) {
        Some((i, _)) => s.get(..i).unwrap_or(s),
        None => s,
    }
}

fn suffix_chars(s: &str, n: usize) -> &str {
    // Look at a bounded tail only: counting the characters of the whole prefix for
    // every match would make long texts quadratic.
    let mut from = s.len().saturating_sub(n * 4);
    while !s.is_char_boundary(from) {
        from += 1;
    }
    let tail = s.get(from..).unwrap_or("");
    let count = tail.chars().count();
    if count <= n {
        return tail;
    }
    match tail.char_indices().nth(count - n) {
        Some((i, _)) => tail.get(i..).unwrap_or(tail),
        None => tail,
    }
}

/// The kind of process the message is about.
pub fn classify(texts: &Texts) -> RequestKind {
    let new_text = texts.joined(&[Layer::Subject, Layer::NewBody]);
    if ADMINISTRATIVE.is_match(&new_text) {
        return RequestKind::Other;
    }
    let mut totals = [0f32; 8];
    for piece in &texts.pieces {
        let w = layer_weight(piece.layer);
        for (t, s) in totals.iter_mut().zip(score_text(piece)) {
            *t += w * s;
        }
    }
    let mut best: Option<(usize, f32)> = None;
    for (i, &score) in totals.iter().enumerate() {
        if score >= 2.0 && best.is_none_or(|(_, b)| score > b + 0.01) {
            best = Some((i, score));
        }
    }
    // A message with no new ask of its own, whose attachments are absent, is still the
    // process its quoted history names; that falls out of the sums above.
    best.and_then(|(i, _)| PRECEDENCE.get(i).copied())
        .unwrap_or(RequestKind::Other)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(subject: &str, body: &str, quoted: &str) -> Texts {
        Texts {
            pieces: vec![
                Piece::new(Layer::Subject, subject.into()),
                Piece::new(Layer::NewBody, body.into()),
                Piece::new(Layer::Quoted, quoted.into()),
            ],
        }
    }

    #[test]
    fn titles_in_seven_languages() {
        for (subject, kind) in [
            ("Grand Jury Subpoena", RequestKind::Subpoena),
            ("Réquisition judiciaire", RequestKind::Subpoena),
            ("Vordering verstrekking gegevens", RequestKind::Subpoena),
            ("Beschluss des Amtsgerichts", RequestKind::CourtOrder),
            ("Auskunftsersuchen", RequestKind::InformationRequest),
            ("Solicitud de información", RequestKind::InformationRequest),
            (
                "Richiesta di conservazione dei dati",
                RequestKind::PreservationRequest,
            ),
            ("Pedido de bloqueio dos fundos", RequestKind::FreezeRequest),
            ("Rechtshulpverzoek", RequestKind::Mlat),
            (
                "Emergency Disclosure Request",
                RequestKind::EmergencyDisclosure,
            ),
        ] {
            assert_eq!(classify(&texts(subject, "", "")), kind, "{subject}");
        }
    }

    #[test]
    fn a_process_still_to_come_is_not_the_ask() {
        let t = texts(
            "Preservation request",
            "Please preserve the account. A grand jury subpoena will follow.",
            "",
        );
        assert_eq!(classify(&t), RequestKind::PreservationRequest);
    }

    #[test]
    fn follow_up_takes_the_quoted_kind_and_release_is_other() {
        let t = texts(
            "",
            "Any update on this?",
            "Please freeze the funds in wallet X.",
        );
        assert_eq!(classify(&t), RequestKind::FreezeRequest);
        let t = texts(
            "",
            "You may release the hold on the account.",
            "freeze request",
        );
        assert_eq!(classify(&t), RequestKind::Other);
    }
}

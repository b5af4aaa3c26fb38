//! Name normalisation: Unicode folding, transliteration to ASCII, tokenisation, legal forms,
//! particles, "LAST, First" order, phonetic skeletons.
//!
//! The output of [`normalize`] is a [`NormalizedName`]: lowercase ASCII tokens, each with a
//! [`TokenKind`] (which sets its weight class) and the [`Script`] it came from (which selects
//! how it is compared: abjads and abugidas drop vowels, so they are compared by consonant
//! skeleton). Han text is segmented with a dictionary of business terms (有限公司 → `co ltd`,
//! 技术 → `technology`, ...) and otherwise read in pinyin, one token per syllable, marked
//! joinable so that `hua wei` aligns with `huawei`. A Han name may also get a Japanese or a
//! Sino-Korean reading as an extra variant ([`normalize_variants`]).

use serde::Serialize;

use crate::error::ScreenError;
use crate::token::{raws_adapter, Raw};
pub use crate::token::{Script, TokenKind};
use crate::translit;

/// Longest name accepted for screening, in bytes (UTF-8). Longer names are refused with
/// [`ScreenError::NameTooLong`]. The longest name on the CSL is 381 characters.
pub const MAX_NAME_BYTES: usize = 2048;

/// At most this many tokens of a name take part in matching; the rest are ignored (and
/// reported as not compared). No list name comes near it.
pub const MAX_TOKENS: usize = 32;

/// One normalised token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Token {
    /// Lowercase ASCII text.
    pub text: String,
    /// Weight class.
    pub kind: TokenKind,
    /// Source script.
    pub script: Script,
    /// Whether this token continues a word with the previous token (pinyin or Hangul
    /// syllables of one word), so that the two may be aligned as one.
    #[serde(skip)]
    pub joins_prev: bool,
}

/// A normalised name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct NormalizedName {
    /// The tokens, in name order (after "LAST, First" reordering).
    pub tokens: Vec<Token>,
    /// Whether "LAST, First" was turned into "First LAST".
    pub reordered: bool,
    /// Scripts other than Latin that were transliterated.
    pub transliterated: Vec<Script>,
    /// Tokens beyond [`MAX_TOKENS`] that were dropped.
    pub truncated: usize,
    /// Which reading produced this variant ("pinyin", "japanese", "korean"); "" for the
    /// primary reading of a name without Han characters.
    pub reading: &'static str,
}

impl NormalizedName {
    /// Tokens joined by single spaces: the exact-match key.
    pub fn key(&self) -> String {
        let mut s = String::new();
        for t in &self.tokens {
            if !s.is_empty() {
                s.push(' ');
            }
            s.push_str(&t.text);
        }
        s
    }
}

/// Checks a query name: not empty, not too long, has a letter or digit.
pub fn validate_name(name: &str) -> Result<(), ScreenError> {
    if name.len() > MAX_NAME_BYTES {
        return Err(ScreenError::NameTooLong {
            len: name.len(),
            max: MAX_NAME_BYTES,
        });
    }
    let t = name.trim();
    if t.is_empty() {
        return Err(ScreenError::EmptyName);
    }
    if !t.chars().any(char::is_alphanumeric) {
        return Err(ScreenError::NoNameCharacters(t.to_string()));
    }
    Ok(())
}

/// Normalises a name (primary reading only). Never panics; a name without letters or digits
/// gives no tokens. Use [`validate_name`] first for user input.
pub fn normalize(name: &str) -> NormalizedName {
    let mut v = normalize_variants(name);
    if v.is_empty() {
        return NormalizedName {
            tokens: Vec::new(),
            reordered: false,
            transliterated: Vec::new(),
            truncated: 0,
            reading: "",
        };
    }
    v.swap_remove(0)
}

/// Normalises a name into one or more readings: the primary one first; a name with Han
/// characters may add a Japanese reading (from a dictionary of common Japanese names) and a
/// Sino-Korean reading (from a table of hanja common in Korean names).
pub fn normalize_variants(name: &str) -> Vec<NormalizedName> {
    let name = if name.len() > MAX_NAME_BYTES * 4 {
        // Guard the work done on gigantic list-side strings: cut at a char boundary.
        let mut end = MAX_NAME_BYTES * 4;
        while !name.is_char_boundary(end) {
            end -= 1;
        }
        &name[..end]
    } else {
        name
    };
    let (text, reordered) = reorder_last_first(name);
    let segments = segment(&text);
    let has_han = segments.iter().any(|s| s.script == Seg::Han);
    let mut out = Vec::new();
    out.push(build(&segments, reordered, HanReading::Pinyin));
    if has_han {
        let has_kana = segments.iter().any(|s| s.script == Seg::Kana);
        if let Some(j) = build_opt(&segments, reordered, HanReading::Japanese) {
            if has_kana {
                // Japanese text: the Japanese reading is the primary one.
                out.insert(0, j);
            } else {
                out.push(j);
            }
        }
        if let Some(k) = build_opt(&segments, reordered, HanReading::Korean) {
            out.push(k);
        }
    }
    out
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Seg {
    Space,
    Latin,
    Cyrillic,
    Greek,
    Han,
    Hangul,
    Kana,
    Abjad,
    Abugida,
}

struct Segment<'a> {
    script: Seg,
    text: &'a str,
}

fn classify(c: char) -> Seg {
    let u = c as u32;
    if c.is_whitespace() {
        return Seg::Space;
    }
    match u {
        0x0000..=0x024F | 0x1E00..=0x1EFF | 0x2000..=0x2BFF | 0xFF00..=0xFF64 => Seg::Latin,
        0x0370..=0x03FF | 0x1F00..=0x1FFF => Seg::Greek,
        0x0400..=0x052F | 0x1C80..=0x1C8F | 0x2DE0..=0x2DFF | 0xA640..=0xA69F => Seg::Cyrillic,
        0x0590..=0x05FF | 0x0600..=0x06FF | 0x0700..=0x07BF | 0x08A0..=0x08FF | 0xFB1D..=0xFDFF | 0xFE70..=0xFEFF => {
            Seg::Abjad
        }
        0x0900..=0x0DFF
        | 0x0E00..=0x0EFF
        | 0x0F00..=0x0FFF
        | 0x1000..=0x109F
        | 0x1200..=0x139F
        | 0x1780..=0x17FF
        | 0xA9E0..=0xA9FF => Seg::Abugida,
        0x3040..=0x30FF | 0x31F0..=0x31FF | 0xFF65..=0xFF9F => Seg::Kana,
        0xAC00..=0xD7A3 => Seg::Hangul,
        0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x3134F => Seg::Han,
        _ => Seg::Latin,
    }
}

/// Splits text into runs of one script (whitespace runs separate).
fn segment(text: &str) -> Vec<Segment<'_>> {
    let mut out: Vec<Segment<'_>> = Vec::new();
    let mut start = 0;
    let mut cur: Option<Seg> = None;
    for (i, c) in text.char_indices() {
        let mut s = classify(c);
        // Combining marks, ZWNJ/ZWJ and the kana middle dot stay with the current run.
        if let Some(prev) = cur {
            if matches!(c as u32, 0x0300..=0x036F | 0x200C | 0x200D | 0x30FC) && prev != Seg::Space {
                s = prev;
            }
        }
        match cur {
            Some(p) if p == s => {}
            Some(p) => {
                out.push(Segment {
                    script: p,
                    text: &text[start..i],
                });
                start = i;
                cur = Some(s);
            }
            None => {
                start = i;
                cur = Some(s);
            }
        }
    }
    if let Some(p) = cur {
        out.push(Segment {
            script: p,
            text: &text[start..],
        });
    }
    out
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum HanReading {
    Pinyin,
    Japanese,
    Korean,
}

fn build_opt(segments: &[Segment<'_>], reordered: bool, reading: HanReading) -> Option<NormalizedName> {
    let mut used_dict = false;
    let raws = raw_tokens(segments, reading, &mut used_dict)?;
    if !used_dict {
        return None;
    }
    Some(finish(raws, reordered, reading))
}

fn build(segments: &[Segment<'_>], reordered: bool, reading: HanReading) -> NormalizedName {
    let mut used = false;
    let raws = raw_tokens(segments, reading, &mut used).unwrap_or_default();
    finish(raws, reordered, reading)
}

fn raw_tokens(segments: &[Segment<'_>], reading: HanReading, used_dict: &mut bool) -> Option<Vec<Raw>> {
    let mut raws: Vec<Raw> = Vec::new();
    for seg in segments {
        match seg.script {
            Seg::Space => {}
            Seg::Han => match reading {
                HanReading::Pinyin => translit::han_pinyin(seg.text, &mut raws_adapter(&mut raws)),
                HanReading::Japanese => {
                    if translit::han_japanese(seg.text, &mut raws_adapter(&mut raws)) {
                        *used_dict = true;
                    }
                }
                HanReading::Korean => {
                    if !translit::han_korean(seg.text, &mut raws_adapter(&mut raws)) {
                        return None;
                    }
                    *used_dict = true;
                }
            },
            Seg::Hangul => translit::hangul(seg.text, &mut raws_adapter(&mut raws)),
            Seg::Kana => {
                let ascii = deunicode::deunicode(seg.text);
                ascii_tokens(&ascii, Script::Kana, &mut raws);
            }
            Seg::Latin => {
                let ascii = if seg.text.is_ascii() {
                    seg.text.to_string()
                } else {
                    deunicode::deunicode(seg.text)
                };
                ascii_tokens(&ascii, Script::Latin, &mut raws);
            }
            Seg::Cyrillic => {
                let ascii = translit::cyrillic(seg.text);
                ascii_tokens(&ascii, Script::Cyrillic, &mut raws);
            }
            Seg::Greek => {
                let ascii = deunicode::deunicode(seg.text);
                let start = raws.len();
                ascii_tokens(&ascii, Script::Greek, &mut raws);
                // Greek nominative endings (-os, -as, -is, -es) are not part of the
                // international form of a name: Αλέξανδρος → "alexandro" ~ "alexander".
                for r in raws.iter_mut().skip(start) {
                    let b = r.text.as_bytes();
                    if b.len() >= 6 && b.ends_with(b"s") && matches!(b[b.len() - 2], b'o' | b'a' | b'i' | b'e') {
                        r.text.pop();
                    }
                }
            }
            Seg::Abjad => {
                let ascii = translit::abjad(seg.text);
                ascii_tokens(&ascii, Script::Abjad, &mut raws);
            }
            Seg::Abugida => {
                let ascii = deunicode::deunicode(seg.text);
                ascii_tokens(&ascii, Script::Abugida, &mut raws);
            }
        }
    }
    Some(raws)
}

/// Tokenises ASCII-ish text (the output of transliteration).
fn ascii_tokens(s: &str, script: Script, out: &mut Vec<Raw>) {
    for word in s.split(|c: char| c.is_whitespace()) {
        if word.is_empty() {
            continue;
        }
        // Dotted initialisms: "A.B.C.", "J.P.", "U.S." → one token.
        if is_dotted_initialism(word) {
            let t: String = word
                .chars()
                .filter(char::is_ascii_alphanumeric)
                .map(|c| c.to_ascii_lowercase())
                .collect();
            out.push(Raw {
                text: t,
                script,
                joins_prev: false,
                kind: None,
            });
            continue;
        }
        let mut cur = String::new();
        let flush = |cur: &mut String, out: &mut Vec<Raw>| {
            if !cur.is_empty() {
                out.push(Raw {
                    text: fix_leet(cur),
                    script,
                    joins_prev: false,
                    kind: None,
                });
                cur.clear();
            }
        };
        for c in word.chars() {
            if c.is_ascii_alphanumeric() {
                cur.push(c.to_ascii_lowercase());
            } else if matches!(
                c,
                '\'' | '`' | '\u{2019}' | '\u{2018}' | '\u{02BC}' | '\u{02BB}' | '\u{00B4}' | '"'
            ) {
                // Apostrophes and the ayn/hamza marks of transliteration vanish inside words.
            } else if c == '&' {
                flush(&mut cur, out);
                out.push(Raw {
                    text: "and".to_string(),
                    script,
                    joins_prev: false,
                    kind: None,
                });
            } else if c.is_alphanumeric() {
                // Non-ASCII letter left by transliteration: fold it again.
                for d in deunicode::deunicode_char(c).unwrap_or("").chars() {
                    if d.is_ascii_alphanumeric() {
                        cur.push(d.to_ascii_lowercase());
                    }
                }
            } else {
                flush(&mut cur, out);
            }
        }
        flush(&mut cur, out);
    }
}

fn is_dotted_initialism(word: &str) -> bool {
    let b = word.as_bytes();
    if b.len() < 4 {
        return false;
    }
    // letter '.' letter '.' ... (optional final '.')
    let mut i = 0;
    let mut letters = 0;
    while i < b.len() {
        if !b[i].is_ascii_alphabetic() {
            return false;
        }
        letters += 1;
        i += 1;
        if i < b.len() {
            if b[i] != b'.' {
                return false;
            }
            i += 1;
        }
    }
    letters >= 2
}

/// "I9or" → "igor", "Sech1n" → "sechin": digits between letters read as letters.
fn fix_leet(tok: &str) -> String {
    let b = tok.as_bytes();
    if !b.iter().any(u8::is_ascii_digit) || !b.iter().any(u8::is_ascii_alphabetic) {
        return tok.to_string();
    }
    let mut out = String::with_capacity(tok.len());
    for (i, &c) in b.iter().enumerate() {
        let between = i > 0 && i + 1 < b.len() && b[i - 1].is_ascii_alphabetic() && b[i + 1].is_ascii_alphabetic();
        let mapped = if between {
            match c {
                b'0' => b'o',
                b'1' => b'i',
                b'3' => b'e',
                b'4' => b'a',
                b'5' => b's',
                b'7' => b't',
                b'8' => b'b',
                b'9' => b'g',
                _ => c,
            }
        } else {
            c
        };
        out.push(char::from(mapped));
    }
    out
}

/// Turns "LAST, First" into "First LAST" when the name has exactly one comma, both sides
/// have one to four words, and the part after the comma is not a legal form ("Apple, Inc.").
fn reorder_last_first(name: &str) -> (String, bool) {
    let trimmed = name.trim();
    let mut parts = trimmed.split(',');
    let (Some(a), Some(b), None) = (parts.next(), parts.next(), parts.next()) else {
        return (trimmed.to_string(), false);
    };
    let words = |s: &str| s.split_whitespace().count();
    let (wa, wb) = (words(a), words(b));
    if wa == 0 || wb == 0 || wa > 4 || wb > 4 {
        return (trimmed.to_string(), false);
    }
    // Any legal-form or business word after the comma means it is not a person's name.
    let mut tmp = Vec::new();
    ascii_tokens(&deunicode::deunicode(b), Script::Latin, &mut tmp);
    let mut tmp_a = Vec::new();
    ascii_tokens(&deunicode::deunicode(a), Script::Latin, &mut tmp_a);
    let is_org = |r: &Raw| {
        let c = canonical(&r.text);
        legal_form(c) || translit::is_org_word(c)
    };
    if tmp.iter().any(is_org) || tmp_a.iter().any(is_org) || tmp.is_empty() {
        return (trimmed.to_string(), false);
    }
    (format!("{} {}", b.trim(), a.trim()), true)
}

/// Multi-word legal forms and their canonical token.
const LEGAL_PHRASES: &[(&[&str], &str)] = &[
    (&["obshchestvo", "s", "ogranichennoi", "otvetstvennostiu"], "ooo"),
    (&["obshchestvo", "s", "ogranichennoy", "otvetstvennostyu"], "ooo"),
    (&["obshchestvo", "s", "ogranichennoi", "otvetstvennostyu"], "ooo"),
    (&["tovarystvo", "z", "obmezhenoiu", "vidpovidalnistiu"], "tov"),
    (&["open", "joint", "stock", "company"], "ojsc"),
    (&["closed", "joint", "stock", "company"], "cjsc"),
    (&["public", "joint", "stock", "company"], "pjsc"),
    (&["limited", "liability", "company"], "llc"),
    (&["limited", "liability", "partnership"], "llp"),
    (&["public", "limited", "company"], "plc"),
    (&["joint", "stock", "company"], "jsc"),
    (&["joint", "stock", "co"], "jsc"),
    (&["gesellschaft", "mit", "beschrankter", "haftung"], "gmbh"),
    (&["societatea", "cu", "raspundere", "limitata"], "srl"),
    (&["societe", "a", "responsabilite", "limitee"], "sarl"),
    (&["societe", "anonyme"], "sa"),
    (&["sociedad", "anonima"], "sa"),
    (&["sociedade", "anonima"], "sa"),
    (&["societa", "per", "azioni"], "spa"),
    (&["sp", "z", "o", "o"], "spzoo"),
    (&["sp", "z", "oo"], "spzoo"),
    (&["aktsionernoe", "obshchestvo"], "ao"),
    (&["aktsionernoye", "obshchestvo"], "ao"),
    (&["otkrytoe", "aktsionernoe", "obshchestvo"], "oao"),
    (&["zakrytoe", "aktsionernoe", "obshchestvo"], "zao"),
    (&["publichnoe", "aktsionernoe", "obshchestvo"], "pao"),
    (&["sdn", "bhd"], "sdnbhd"),
    (&["co", "ltd"], "coltd"),
    (&["pvt", "ltd"], "pvtltd"),
    (&["private", "ltd"], "pvtltd"),
    (&["a", "s"], "as"),
    (&["s", "a"], "sa"),
    (&["l", "l", "c"], "llc"),
    (&["s", "a", "r", "l"], "sarl"),
    (&["b", "v"], "bv"),
    (&["n", "v"], "nv"),
    (&["s", "r", "l"], "srl"),
    (&["l", "p"], "lp"),
];

/// Canonical spelling of a single token (abbreviations and spelling variants).
pub(crate) fn canonical(t: &str) -> &str {
    match t {
        "limited" => "ltd",
        "incorporated" => "inc",
        "corporation" => "corp",
        "company" | "compania" | "companhia" | "compagnie" | "cie" | "cia" => "co",
        "aktiengesellschaft" => "ag",
        "gesellschaft" => "ges",
        "kabushiki" | "kaisha" => "kk",
        "intl" | "internacional" | "international" | "internationale" => "international",
        "natl" => "national",
        "mfg" => "manufacturing",
        "tech" | "technologies" | "technology" | "techn" | "technics" => "technology",
        "industries" | "industry" => "industry",
        "holdings" => "holding",
        "services" => "service",
        "systems" => "system",
        "solutions" => "solution",
        "electronics" => "electronic",
        "communications" => "communication",
        "enterprises" => "enterprise",
        "products" => "product",
        "resources" => "resource",
        "organisation" => "organization",
        "labour" => "labor",
        "centre" => "center",
        "dept" => "department",
        "univ" => "university",
        "assn" | "assoc" => "association",
        "bros" => "brothers",
        "mohd" => "mohammad",
        "st" => "saint",
        "ltda" => "ltd",
        "und" | "et" => "and",
        "el" | "ul" => "al",
        "ibn" | "ben" => "bin",
        _ => t,
    }
}

/// Legal-form tokens (after [`canonical`]).
pub(crate) fn legal_form(t: &str) -> bool {
    matches!(
        t,
        "ltd"
            | "inc"
            | "corp"
            | "co"
            | "llc"
            | "llp"
            | "lp"
            | "plc"
            | "gmbh"
            | "ag"
            | "kg"
            | "sa"
            | "sas"
            | "sarl"
            | "srl"
            | "spa"
            | "sl"
            | "bv"
            | "nv"
            | "ab"
            | "as"
            | "oy"
            | "oyj"
            | "se"
            | "pte"
            | "pty"
            | "pvt"
            | "bhd"
            | "sdnbhd"
            | "kk"
            | "jsc"
            | "ojsc"
            | "cjsc"
            | "pjsc"
            | "oao"
            | "zao"
            | "ooo"
            | "pao"
            | "ao"
            | "tov"
            | "fze"
            | "fzco"
            | "fzc"
            | "fzllc"
            | "doo"
            | "dd"
            | "ead"
            | "eood"
            | "sro"
            | "zrt"
            | "kft"
            | "spzoo"
            | "sac"
            | "saa"
            | "cv"
            | "coltd"
            | "pvtltd"
            | "ges"
            | "yk"
            | "tsc"
            | "chjsc"
            | "lc"
            | "pllc"
            | "gk"
            | "ohg"
            | "ug"
            | "sprl"
            | "bvba"
            | "scs"
            | "snc"
            | "ltdco"
            | "pt"
            | "tbk"
            | "jv"
            | "fz"
            | "est"
            | "wll"
            | "bsc"
            | "psc"
            | "qsc"
            | "saog"
            | "saoc"
            | "kgaa"
    )
}

fn particle(t: &str) -> bool {
    matches!(
        t,
        "al" | "el"
            | "ul"
            | "bin"
            | "ibn"
            | "ben"
            | "bint"
            | "binti"
            | "bte"
            | "abu"
            | "um"
            | "umm"
            | "ould"
            | "ait"
            | "de"
            | "da"
            | "das"
            | "do"
            | "dos"
            | "del"
            | "della"
            | "di"
            | "du"
            | "der"
            | "den"
            | "van"
            | "von"
            | "la"
            | "le"
            | "los"
            | "las"
            | "the"
            | "of"
            | "and"
            | "fur"
            | "zu"
            | "e"
            | "i"
            | "ha"
            | "a"
            | "an"
            | "na"
            | "at"
            | "for"
            | "in"
            | "on"
            | "to"
            | "by"
            | "aka"
            | "fka"
            | "nka"
    )
}

fn title(t: &str) -> bool {
    matches!(
        t,
        "mr" | "mrs"
            | "ms"
            | "miss"
            | "dr"
            | "prof"
            | "sir"
            | "sheikh"
            | "shaikh"
            | "sheik"
            | "shaykh"
            | "haji"
            | "hajji"
            | "hadji"
            | "mullah"
            | "mulla"
            | "mawlawi"
            | "maulavi"
            | "maulvi"
            | "mawlavi"
            | "qari"
            | "hafiz"
            | "president"
            | "prasident"
            | "presidente"
            | "general"
            | "gen"
            | "col"
            | "colonel"
            | "capt"
            | "captain"
            | "lt"
            | "maj"
            | "major"
            | "minister"
            | "imam"
            | "emir"
            | "monsieur"
            | "madame"
            | "mme"
            | "herr"
            | "frau"
            | "senor"
            | "sr"
            | "sra"
            | "jr"
            | "mv"
            | "mt"
            | "hon"
            | "rev"
            | "engr"
            | "eng"
            | "ayatollah"
            | "sayyid"
            | "sayed"
            | "syed"
            | "sayyed"
            | "seyed"
            | "seyyed"
            | "mulavi"
            | "molvi"
            | "maulana"
            | "mawlana"
    )
}

fn roman_numeral(t: &str) -> bool {
    matches!(
        t,
        "ii" | "iii"
            | "iv"
            | "vi"
            | "vii"
            | "viii"
            | "ix"
            | "xi"
            | "xii"
            | "xiii"
            | "xiv"
            | "xv"
            | "xvi"
            | "xvii"
            | "xviii"
            | "xix"
            | "xx"
    )
}

fn classify_token(t: &str) -> TokenKind {
    if t.bytes().all(|b| b.is_ascii_digit()) || roman_numeral(t) {
        TokenKind::Number
    } else if legal_form(t) {
        TokenKind::LegalForm
    } else if title(t) {
        TokenKind::Title
    } else if t.len() == 1 {
        if t.as_bytes()[0].is_ascii_digit() {
            TokenKind::Number
        } else {
            TokenKind::Initial
        }
    } else if particle(t) {
        TokenKind::Particle
    } else {
        TokenKind::Word
    }
}

fn finish(raws: Vec<Raw>, reordered: bool, reading: HanReading) -> NormalizedName {
    let mut transliterated: Vec<Script> = Vec::new();
    for r in &raws {
        if r.script != Script::Latin && !transliterated.contains(&r.script) {
            transliterated.push(r.script);
        }
    }
    // Number words to digits, then legal-form phrases, then canonical single tokens.
    let mut toks: Vec<Raw> = number_words(raws);
    let mut i = 0;
    let mut collapsed: Vec<Raw> = Vec::with_capacity(toks.len());
    'outer: while i < toks.len() {
        for (phrase, canon) in LEGAL_PHRASES {
            let n = phrase.len();
            if i + n <= toks.len() && toks[i..i + n].iter().zip(phrase.iter()).all(|(t, p)| t.text == *p) {
                let script = toks[i].script;
                collapsed.push(Raw {
                    text: (*canon).to_string(),
                    script,
                    joins_prev: false,
                    kind: Some(TokenKind::LegalForm),
                });
                i += n;
                continue 'outer;
            }
        }
        let mut r = std::mem::replace(
            &mut toks[i],
            Raw {
                text: String::new(),
                script: Script::Latin,
                joins_prev: false,
                kind: None,
            },
        );
        let c = canonical(&r.text);
        if c != r.text {
            r.text = c.to_string();
        } else if r.text.len() >= 7 && r.text.ends_with("ies") && r.script == Script::Latin {
            // Plural "-ies" read as "-y" ("industries", "technolgies" → "technolgy"), so that
            // a misspelt plural still meets the singular.
            r.text.truncate(r.text.len() - 3);
            r.text.push('y');
        }
        collapsed.push(r);
        i += 1;
    }
    // Classify, drop repeated tokens ("Sergey Sergey Shoigu"), cap the count.
    let mut tokens: Vec<Token> = Vec::with_capacity(collapsed.len());
    let mut truncated = 0;
    for r in collapsed {
        if r.text.is_empty() {
            continue;
        }
        let kind = r.kind.unwrap_or_else(|| classify_token(&r.text));
        if tokens.last().map(|t| t.text == r.text).unwrap_or(false) {
            continue;
        }
        if tokens.len() >= MAX_TOKENS {
            truncated += 1;
            continue;
        }
        tokens.push(Token {
            text: r.text,
            kind,
            script: r.script,
            joins_prev: r.joins_prev,
        });
    }
    // A leading "the" is noise.
    NormalizedName {
        tokens,
        reordered,
        transliterated,
        truncated,
        reading: match reading {
            HanReading::Pinyin => "",
            HanReading::Japanese => "japanese",
            HanReading::Korean => "korean",
        },
    }
}

/// Consonant skeleton of a token for phonetic and cross-script comparison: digraphs folded
/// (`sh`/`ch`/`zh`/`j` → `j`, `kh`/`q`/`c`/`g` → `k`, `ph`/`v`/`w` → `f`, `th`/`dh`/`d` → `t`,
/// `z` → `s`, `p` → `b`), vowels, `y` and `h` after a consonant dropped, doubles collapsed.
pub fn skeleton(t: &str) -> String {
    let b = t.as_bytes();
    let mut out: Vec<u8> = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let next = b.get(i + 1).copied().unwrap_or(0);
        let (sym, adv) = match (c, next) {
            (b's', b'h') | (b'c', b'h') | (b'z', b'h') => (b'j', 2),
            (b't', b'c') if b.get(i + 2) == Some(&b'h') => (b'j', 3),
            (b'd', b'j') | (b'd', b'z') => (b'j', 2),
            (b's', b'c') if b.get(i + 2) == Some(&b'h') => (b'j', 3),
            (b'h', b's') if i == 0 && matches!(b.get(2), Some(b'a' | b'e' | b'i' | b'o' | b'u' | b'y')) => (b's', 2),
            (b'k', b'h') | (b'g', b'h') => (b'k', 2),
            (b'p', b'h') => (b'f', 2),
            (b't', b'h') | (b'd', b'h') => (b't', 2),
            (b't', b's') | (b't', b'z') => (b's', 2),
            (b'c', b'k') => (b'k', 2),
            (b'x', _) if i == 0 => (b's', 1),
            (b'x', _) => (b'x', 1),
            (b'a' | b'e' | b'i' | b'o' | b'u' | b'y', _) => (0, 1),
            (b'h', _) => {
                // h after a vowel and before a consonant or the end is silent ("john", "allah").
                let after_vowel = i > 0 && matches!(b[i - 1], b'a' | b'e' | b'i' | b'o' | b'u' | b'y');
                let before_vowel = matches!(next, b'a' | b'e' | b'i' | b'o' | b'u' | b'y');
                if after_vowel && !before_vowel {
                    (0, 1)
                } else {
                    (b'h', 1)
                }
            }
            (b'c', b'e' | b'i' | b'y') => (b's', 1),
            (b'c', _) | (b'q', _) | (b'g', _) | (b'k', _) => (b'k', 1),
            (b'j', _) => (b'j', 1),
            (b'v', _) | (b'w', _) | (b'f', _) => (b'f', 1),
            (b'd', _) | (b't', _) => (b't', 1),
            (b'z', _) | (b's', _) => (b's', 1),
            (b'p', _) | (b'b', _) => (b'b', 1),
            (x, _) => (x, 1),
        };
        if sym != 0 {
            if sym == b'x' {
                push_dedup(&mut out, b'k');
                push_dedup(&mut out, b's');
            } else {
                push_dedup(&mut out, sym);
            }
        } else if sym == 0 && out.last().copied() != Some(0) {
            // A vowel separates doubles: "mohammad" → m h m t. Mark with 0, removed below.
            out.push(0);
        }
        i += adv;
    }
    out.retain(|&x| x != 0);
    String::from_utf8(out).unwrap_or_default()
}

fn push_dedup(out: &mut Vec<u8>, c: u8) {
    if out.last().copied() != Some(c) {
        out.push(c);
    }
}

fn unit_value(t: &str) -> Option<u32> {
    Some(match t {
        "zero" => 0,
        "one" => 1,
        "two" => 2,
        "three" => 3,
        "four" => 4,
        "five" => 5,
        "six" => 6,
        "seven" => 7,
        "eight" => 8,
        "nine" => 9,
        "ten" => 10,
        "eleven" => 11,
        "twelve" => 12,
        "thirteen" => 13,
        "fourteen" => 14,
        "fifteen" => 15,
        "sixteen" => 16,
        "seventeen" => 17,
        "eighteen" => 18,
        "nineteen" => 19,
        _ => return None,
    })
}

fn tens_value(t: &str) -> Option<u32> {
    Some(match t {
        "twenty" => 20,
        "thirty" => 30,
        "forty" => 40,
        "fifty" => 50,
        "sixty" => 60,
        "seventy" => 70,
        "eighty" => 80,
        "ninety" => 90,
        _ => return None,
    })
}

/// "forty four", "forty 4" and "four" → "44", "44", "4".
fn number_words(raws: Vec<Raw>) -> Vec<Raw> {
    let mut out: Vec<Raw> = Vec::with_capacity(raws.len());
    let mut it = raws.into_iter().peekable();
    while let Some(mut r) = it.next() {
        if let Some(t) = tens_value(&r.text) {
            let unit = it.peek().and_then(|n| {
                unit_value(&n.text)
                    .filter(|u| (1..=9).contains(u))
                    .or_else(|| n.text.parse::<u32>().ok().filter(|u| (1..=9).contains(u)))
            });
            let v = match unit {
                Some(u) => {
                    it.next();
                    t + u
                }
                None => t,
            };
            r.text = v.to_string();
        } else if let Some(u) = unit_value(&r.text) {
            r.text = u.to_string();
        }
        out.push(r);
    }
    out
}

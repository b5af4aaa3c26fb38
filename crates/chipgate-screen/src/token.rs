//! The vocabulary shared by normalisation and transliteration: a token's script and kind, and
//! the sink transliterators write raw tokens into (its own module, so that `normalize` and
//! `translit` both import it and neither imports the other's internals).

use serde::Serialize;

/// The writing system a token was transliterated from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Script {
    /// Latin letters (with accents folded) and digits.
    Latin,
    /// Cyrillic.
    Cyrillic,
    /// Greek.
    Greek,
    /// Han characters (Chinese; kanji; hanja), read in pinyin or from a name dictionary.
    Han,
    /// Hangul syllables.
    Hangul,
    /// Japanese kana.
    Kana,
    /// Arabic, Persian, Urdu, Hebrew, Syriac, Thaana: vowels mostly unwritten.
    Abjad,
    /// Brahmic and other scripts whose transliteration has unreliable vowels (Devanagari,
    /// Bengali, Thai, Khmer, Ethiopic, ...).
    Abugida,
}

impl Script {
    /// Whether vowels in the transliteration are unreliable, so tokens are compared by their
    /// consonant skeleton.
    pub fn vowels_unreliable(self) -> bool {
        matches!(self, Script::Abjad | Script::Abugida)
    }

    /// Whether each token is one syllable read from a syllabic script (Han, Hangul): such
    /// tokens never carry typos, so they match only exactly or by romanisation variant.
    pub fn syllabic(self) -> bool {
        matches!(self, Script::Han | Script::Hangul)
    }
}

/// What a token is, which sets its weight class.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum TokenKind {
    /// A name word.
    Word,
    /// A legal-form word (`ltd`, `llc`, `gmbh`, `ooo`, ...): kept, with low weight.
    LegalForm,
    /// A particle or connector (`al`, `bin`, `de`, `van`, `of`, `and`, ...): low weight.
    Particle,
    /// A title (`mr`, `dr`, `sheikh`, `haji`, `president`, ...): low weight.
    Title,
    /// A single letter (an initial).
    Initial,
    /// Digits or a Roman numeral.
    Number,
}

/// Raw token before classification.
pub(crate) struct Raw {
    pub(crate) text: String,
    pub(crate) script: Script,
    pub(crate) joins_prev: bool,
    /// Produced by a dictionary translation (kind given).
    pub(crate) kind: Option<TokenKind>,
}

/// Sink for transliterators: (text, script, joins_prev, kind).
pub(crate) struct RawSink<'a> {
    raws: &'a mut Vec<Raw>,
}

impl RawSink<'_> {
    /// Adds a token.
    pub(crate) fn push(&mut self, text: &str, script: Script, joins_prev: bool, kind: Option<TokenKind>) {
        if text.is_empty() {
            return;
        }
        self.raws.push(Raw {
            text: text.to_string(),
            script,
            joins_prev,
            kind,
        });
    }
}

pub(crate) fn raws_adapter(raws: &mut Vec<Raw>) -> RawSink<'_> {
    RawSink { raws }
}

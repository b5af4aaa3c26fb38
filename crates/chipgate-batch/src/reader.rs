//! Records of an RFC 4180 CSV file with their line numbers and byte offsets.
//!
//! The reader is line-oriented so that *every* physical line is accounted for: a blank line is
//! a record of its own (which validation then refuses) instead of being skipped silently, and
//! each record knows the byte offset where it starts, so a resumed run can seek straight to the
//! first unprocessed record. A quoted field may span lines; a quote left open for more than
//! [`MAX_RECORD_LINES`] lines (or to the end of the file) is not allowed to swallow the rest of
//! the file: the first line alone becomes the (bad) record and reading goes on at the next line.

use std::collections::VecDeque;
use std::io::{self, BufRead};

/// The most physical lines one record may span (quoted fields with line breaks).
pub const MAX_RECORD_LINES: usize = 16;

/// One record as read: the first physical line's number (1-based), its byte offset and bytes
/// (line breaks inside quoted fields kept, the terminating line break removed).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RawRecord {
    /// Number of the record's first physical line, 1-based.
    pub line: u64,
    /// Byte offset of the record's first byte in the file.
    pub offset: u64,
    /// The record's bytes without its terminating `\n` or `\r\n`.
    pub bytes: Vec<u8>,
}

/// One physical line: its number, offset and bytes (with its terminator).
struct Physical {
    line: u64,
    offset: u64,
    bytes: Vec<u8>,
}

/// Reads records from a buffered reader.
pub struct RecordReader<R> {
    inner: R,
    next_line: u64,
    next_offset: u64,
    /// Physical lines read ahead and given back (after an unterminated quote).
    pending: VecDeque<Physical>,
}

impl<R: BufRead> RecordReader<R> {
    /// A reader whose first byte is at `offset` and on line `line` of the file (`0`/`1` at the
    /// start; a checkpoint's values when resuming).
    pub fn new(inner: R, line: u64, offset: u64) -> Self {
        RecordReader {
            inner,
            next_line: line,
            next_offset: offset,
            pending: VecDeque::new(),
        }
    }

    /// Line number the next record starts on.
    pub fn next_line(&self) -> u64 {
        self.pending.front().map_or(self.next_line, |p| p.line)
    }

    /// Byte offset of the next record (the end of the last one returned).
    pub fn offset(&self) -> u64 {
        self.pending.front().map_or(self.next_offset, |p| p.offset)
    }

    fn physical(&mut self) -> io::Result<Option<Physical>> {
        if let Some(p) = self.pending.pop_front() {
            return Ok(Some(p));
        }
        let mut bytes = Vec::new();
        let n = self.inner.read_until(b'\n', &mut bytes)?;
        if n == 0 {
            return Ok(None);
        }
        let p = Physical {
            line: self.next_line,
            offset: self.next_offset,
            bytes,
        };
        self.next_line += 1;
        self.next_offset += n as u64;
        Ok(Some(p))
    }

    /// The next record, or `None` at the end of the input.
    pub fn next_record(&mut self) -> io::Result<Option<RawRecord>> {
        let Some(first) = self.physical()? else {
            return Ok(None);
        };
        let mut open = quote_parity(&first.bytes);
        if !open {
            return Ok(Some(record(first.line, first.offset, first.bytes)));
        }
        // A quoted field continues on the next lines.
        let mut parts = vec![first];
        while open && parts.len() < MAX_RECORD_LINES {
            match self.physical()? {
                Some(p) => {
                    open ^= quote_parity(&p.bytes);
                    parts.push(p);
                }
                None => break,
            }
        }
        if open {
            // Never closed: the first line is the bad record; the others are read again.
            let mut parts = parts.into_iter();
            let Some(first) = parts.next() else {
                return Ok(None);
            };
            for p in parts.rev() {
                self.pending.push_front(p);
            }
            return Ok(Some(record(first.line, first.offset, first.bytes)));
        }
        let line = parts.first().map_or(0, |p| p.line);
        let offset = parts.first().map_or(0, |p| p.offset);
        let mut bytes = Vec::new();
        for p in parts {
            bytes.extend_from_slice(&p.bytes);
        }
        Ok(Some(record(line, offset, bytes)))
    }
}

fn record(line: u64, offset: u64, mut bytes: Vec<u8>) -> RawRecord {
    if bytes.last() == Some(&b'\n') {
        bytes.pop();
        if bytes.last() == Some(&b'\r') {
            bytes.pop();
        }
    }
    RawRecord { line, offset, bytes }
}

/// Whether the line leaves a quoted field open (an odd number of `"`).
fn quote_parity(bytes: &[u8]) -> bool {
    bytes.iter().filter(|&&b| b == b'"').count() % 2 == 1
}

/// Why a record's fields could not be split.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FieldError {
    /// The record is not valid UTF-8.
    #[error("not valid UTF-8 (at byte {0})")]
    Utf8(usize),
    /// A quoted field is never closed.
    #[error("a quoted field is not closed")]
    Unterminated,
    /// Text follows a closing quote.
    #[error("unexpected text after the closing quote of field {0}")]
    AfterQuote(usize),
    /// A quote inside an unquoted field.
    #[error("a quote inside unquoted field {0} (quote the whole field and double inner quotes)")]
    BareQuote(usize),
}

/// Splits a record into fields (RFC 4180: `,` separated, `"` quoted, `""` is a quote).
/// Unquoted fields are trimmed of surrounding spaces.
pub fn split_fields(bytes: &[u8], fields: &mut Vec<String>) -> Result<(), FieldError> {
    fields.clear();
    let text = std::str::from_utf8(bytes).map_err(|e| FieldError::Utf8(e.valid_up_to()))?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let b = text.as_bytes();
    let mut i = 0;
    loop {
        let n = fields.len() + 1;
        // Skip leading spaces before a possible opening quote.
        let mut j = i;
        while j < b.len() && b[j] == b' ' {
            j += 1;
        }
        if j < b.len() && b[j] == b'"' {
            let mut value = String::new();
            let mut k = j + 1;
            let mut start = k;
            loop {
                match b.get(k) {
                    None => return Err(FieldError::Unterminated),
                    Some(b'"') if b.get(k + 1) == Some(&b'"') => {
                        value.push_str(text.get(start..=k).unwrap_or_default());
                        k += 2;
                        start = k;
                    }
                    Some(b'"') => {
                        value.push_str(text.get(start..k).unwrap_or_default());
                        k += 1;
                        break;
                    }
                    Some(_) => k += 1,
                }
            }
            while k < b.len() && b[k] == b' ' {
                k += 1;
            }
            fields.push(value);
            match b.get(k) {
                None => return Ok(()),
                Some(b',') => i = k + 1,
                Some(_) => return Err(FieldError::AfterQuote(n)),
            }
        } else {
            let end = b
                .get(i..)
                .and_then(|rest| rest.iter().position(|&c| c == b','))
                .map_or(b.len(), |p| i + p);
            let raw = text.get(i..end).unwrap_or_default();
            if raw.contains('"') {
                return Err(FieldError::BareQuote(n));
            }
            fields.push(raw.trim().to_owned());
            if end >= b.len() {
                return Ok(());
            }
            i = end + 1;
        }
    }
}

/// Appends `value` as one CSV field (quoted when it holds `,`, `"`, a line break or
/// surrounding spaces).
pub fn push_field(out: &mut Vec<u8>, value: &str) {
    let needs = value.bytes().any(|c| matches!(c, b',' | b'"' | b'\n' | b'\r'))
        || value.starts_with(' ')
        || value.ends_with(' ');
    if needs {
        out.push(b'"');
        for c in value.bytes() {
            if c == b'"' {
                out.push(b'"');
            }
            out.push(c);
        }
        out.push(b'"');
    } else {
        out.extend_from_slice(value.as_bytes());
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests")]
    use super::*;

    fn records(text: &str) -> Vec<RawRecord> {
        let mut r = RecordReader::new(text.as_bytes(), 1, 0);
        let mut v = Vec::new();
        while let Some(rec) = r.next_record().unwrap() {
            v.push(rec);
        }
        v
    }

    #[test]
    fn lines_offsets_blank_lines_and_crlf() {
        let v = records("a,b\r\n\nc,\"d\ne\"\nf");
        assert_eq!(v.len(), 4);
        assert_eq!((v[0].line, v[0].offset, v[0].bytes.as_slice()), (1, 0, &b"a,b"[..]));
        assert_eq!((v[1].line, v[1].offset, v[1].bytes.as_slice()), (2, 5, &b""[..]));
        assert_eq!(
            (v[2].line, v[2].offset, v[2].bytes.as_slice()),
            (3, 6, &b"c,\"d\ne\""[..])
        );
        assert_eq!((v[3].line, v[3].offset, v[3].bytes.as_slice()), (5, 14, &b"f"[..]));
    }

    #[test]
    fn an_unclosed_quote_costs_one_line() {
        let mut text = String::from("x,\"open\n");
        for i in 0..40 {
            text.push_str(&format!("l{i},1\n"));
        }
        let v = records(&text);
        assert_eq!(v.len(), 41);
        assert_eq!(v[0].bytes, b"x,\"open");
        assert_eq!(v[1].line, 2);
        assert_eq!(v[40].line, 41);
        let mut f = Vec::new();
        assert_eq!(split_fields(&v[0].bytes, &mut f), Err(FieldError::Unterminated));
    }

    #[test]
    fn fields_quotes_and_round_trip() {
        let mut f = Vec::new();
        split_fields(br#" a ,"b,""c""", ,"x""#, &mut f).unwrap();
        assert_eq!(f, ["a", "b,\"c\"", "", "x"]);
        assert_eq!(split_fields(b"a\"b", &mut f), Err(FieldError::BareQuote(1)));
        assert_eq!(split_fields(b"\"a\"b", &mut f), Err(FieldError::AfterQuote(1)));
        assert_eq!(split_fields(&[0xff], &mut f), Err(FieldError::Utf8(0)));
        for v in ["plain", "a,b", "q\"q", "line\nbreak", " pad", ""] {
            let mut out = Vec::new();
            push_field(&mut out, v);
            split_fields(&out, &mut f).unwrap();
            assert_eq!(f, [v]);
        }
    }
}

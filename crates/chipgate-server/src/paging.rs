//! Cursor paging of the list endpoints: `limit` and `cursor` query parameters and the
//! `{"items": […], "next": "<cursor>" | null}` response.
//!
//! Paging is by key, not offset: a cursor holds the key of the last item of its page (an
//! audit seq, a license number, a hold's priority and id) and the next page starts after
//! it, so items added between two fetches are neither skipped nor shown twice. A cursor is
//! opaque to clients: hex of `list:key…`, where `list` names the endpoint (and the sort, for
//! holds) so that a cursor of another list or order is refused rather than misread.

use serde::Serialize;

use crate::error::{ApiError, Code};
use crate::extract::QueryParams;

/// Items per page when `limit` is not given.
pub const DEFAULT_LIMIT: u64 = 100;
/// The largest `limit`.
pub const MAX_LIMIT: u64 = 1000;

/// One page of a list.
#[derive(Debug, Serialize, schemars::JsonSchema)]
#[schemars(rename = "{T}Page")]
pub struct Page<T> {
    /// The items, in the list's order.
    pub items: Vec<T>,
    /// The cursor of the next page, or `null` on the last one.
    pub next: Option<String>,
}

/// The `limit` and `cursor` of a request, the cursor decoded into its keys.
#[derive(Debug, Clone)]
pub struct PageRequest {
    /// Items per page, 1 to [`MAX_LIMIT`].
    pub limit: u64,
    /// The keys after which to continue, or `None` for the first page.
    pub after: Option<Vec<String>>,
    list: &'static str,
}

fn bad_cursor(why: &str) -> ApiError {
    ApiError::field(
        Code::InvalidQuery,
        "cursor",
        format!("`cursor`: {why}; pass the `next` of the previous page unchanged, or no cursor for the first page"),
    )
}

impl PageRequest {
    /// Reads `limit` and `cursor` for the list `list` whose keys have `keys` parts.
    pub fn read(query: &mut QueryParams, list: &'static str, keys: usize) -> Result<PageRequest, ApiError> {
        let limit = query
            .parse::<u64>("limit", &format!("a count from 1 to {MAX_LIMIT}"))?
            .unwrap_or(DEFAULT_LIMIT);
        if limit == 0 || limit > MAX_LIMIT {
            return Err(ApiError::field(
                Code::InvalidQuery,
                "limit",
                format!("`limit`: must be between 1 and {MAX_LIMIT}, got `{limit}`"),
            ));
        }
        let after = match query.text("cursor")? {
            None => None,
            Some(cursor) => Some(decode(&cursor, list, keys)?),
        };
        Ok(PageRequest { limit, after, list })
    }

    /// How many rows to ask the store for: one more than a page, to learn whether another
    /// page follows.
    pub fn fetch(&self) -> u64 {
        self.limit + 1
    }

    /// The key part `i` of the cursor parsed as a number.
    pub fn number(&self, i: usize) -> Result<Option<i64>, ApiError> {
        match self.after.as_ref().map(|keys| keys.get(i)) {
            None => Ok(None),
            Some(Some(text)) => text
                .parse()
                .map(Some)
                .map_err(|_| bad_cursor("not a cursor of this list")),
            Some(None) => Err(bad_cursor("not a cursor of this list")),
        }
    }

    /// The key part `i` of the cursor parsed as an unsigned number.
    pub fn unsigned(&self, i: usize) -> Result<Option<u64>, ApiError> {
        self.number(i)?
            .map(|n| u64::try_from(n).map_err(|_| bad_cursor("not a cursor of this list")))
            .transpose()
    }

    /// The key part `i` of the cursor as text.
    pub fn text(&self, i: usize) -> Option<&str> {
        self.after.as_ref().and_then(|keys| keys.get(i)).map(String::as_str)
    }

    /// Turns up to [`PageRequest::fetch`] rows into a page: the first `limit`, and a cursor
    /// made of `key` of the last shown when more rows followed.
    pub fn page<T>(&self, mut rows: Vec<T>, key: impl Fn(&T) -> Vec<String>) -> Page<T> {
        let limit = usize::try_from(self.limit).unwrap_or(usize::MAX);
        let more = rows.len() > limit;
        rows.truncate(limit);
        let next = if more {
            rows.last().map(|last| encode(self.list, &key(last)))
        } else {
            None
        };
        Page { items: rows, next }
    }
}

/// The cursor of `list` after `keys`.
pub fn encode(list: &str, keys: &[String]) -> String {
    let mut plain = String::from(list);
    for key in keys {
        plain.push('|');
        plain.push_str(key);
    }
    let mut out = String::with_capacity(plain.len() * 2);
    for b in plain.bytes() {
        out.push_str(&format!("{b:02x}"));
    }
    out
}

fn decode(cursor: &str, list: &str, keys: usize) -> Result<Vec<String>, ApiError> {
    let text = cursor.trim();
    if text.len() % 2 != 0 || text.len() > 2048 {
        return Err(bad_cursor("malformed"));
    }
    let bytes = (0..text.len())
        .step_by(2)
        .map(|i| text.get(i..i + 2).and_then(|h| u8::from_str_radix(h, 16).ok()))
        .collect::<Option<Vec<u8>>>()
        .ok_or_else(|| bad_cursor("malformed"))?;
    let plain = String::from_utf8(bytes).map_err(|_| bad_cursor("malformed"))?;
    // The last key may itself contain `|` (a license number).
    let mut parts = plain.splitn(keys + 1, '|');
    if parts.next() != Some(list) {
        return Err(bad_cursor("not a cursor of this list (or of this sort order)"));
    }
    let parts: Vec<String> = parts.map(str::to_owned).collect();
    if parts.len() != keys {
        return Err(bad_cursor("not a cursor of this list"));
    }
    Ok(parts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_round_trips_and_is_bound_to_its_list() {
        let cursor = encode("holds.priority", &["0".into(), "17".into()]);
        assert_eq!(
            decode(&cursor, "holds.priority", 2),
            Ok(vec!["0".to_owned(), "17".to_owned()])
        );
        for bad in [
            decode(&cursor, "holds.newest", 1),
            decode("zz", "orders", 1),
            decode("abc", "orders", 1),
        ] {
            assert_eq!(bad.map_err(|e| e.field), Err(Some("cursor".to_owned())));
        }
    }
}

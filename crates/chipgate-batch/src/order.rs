//! Order-book columns and one validated order line.

use std::borrow::Cow;

use chipgate_engine::Date;
use chipgate_engine::{Ownership, Request};

/// A column chipgate reads from an order book.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Column {
    /// Caller's order reference (optional; the idempotency key with `--record`).
    OrderRef,
    /// Catalog id of the item.
    Item,
    /// Quantity, units.
    Qty,
    /// Destination country (ISO code or name).
    Destination,
    /// End user name.
    EndUser,
    /// Consignee name.
    Consignee,
    /// End user headquarters country.
    EndUserHq,
    /// Ultimate parent headquarters country.
    ParentHq,
    /// End use, free text.
    EndUse,
    /// Exporter (default: the item's manufacturer).
    Exporter,
    /// Shipment date, `YYYY-MM-DD` (default: the run's date).
    Date,
    /// The end user's owners, `NAME=PERCENT` separated by `;` (`NAME=?` when the share is
    /// not known), for the Affiliates rule.
    Owners,
    /// Region of the destination country (e.g. `crimea`), where the rules distinguish them.
    Region,
    /// The item's ECCN outside 3A090/4A090 as the exporter classified it (e.g. `EAR99`).
    Eccn,
    /// Whether a US person performs or supports the transaction (`yes`/`no`).
    UsPerson,
}

impl Column {
    /// The columns every output line echoes, in output order (the ones an order book has
    /// always had; [`Column::OPTIONAL`] follow them when the file has them).
    pub const ALL: [Column; 12] = [
        Column::OrderRef,
        Column::Item,
        Column::Qty,
        Column::Destination,
        Column::EndUser,
        Column::Consignee,
        Column::EndUserHq,
        Column::ParentHq,
        Column::EndUse,
        Column::Exporter,
        Column::Date,
        Column::Owners,
    ];

    /// Columns echoed only when the file has them, after [`Column::ALL`], so that the output
    /// of an order book without them stays as it was.
    pub const OPTIONAL: [Column; 3] = [Column::Region, Column::Eccn, Column::UsPerson];

    /// The header name.
    pub fn name(self) -> &'static str {
        match self {
            Column::OrderRef => "order_ref",
            Column::Item => "item",
            Column::Qty => "qty",
            Column::Destination => "destination",
            Column::EndUser => "end_user",
            Column::Consignee => "consignee",
            Column::EndUserHq => "end_user_hq",
            Column::ParentHq => "parent_hq",
            Column::EndUse => "end_use",
            Column::Exporter => "exporter",
            Column::Date => "date",
            Column::Owners => "owners",
            Column::Region => "region",
            Column::Eccn => "eccn",
            Column::UsPerson => "us_person",
        }
    }

    fn from_header(text: &str) -> Option<Column> {
        let key: String = text
            .trim()
            .chars()
            .map(|c| {
                if c == '-' || c == ' ' {
                    '_'
                } else {
                    c.to_ascii_lowercase()
                }
            })
            .collect();
        Some(match key.as_str() {
            "order_ref" | "ref" | "order" | "order_id" => Column::OrderRef,
            "item" | "item_id" => Column::Item,
            "qty" | "quantity" => Column::Qty,
            "destination" | "to" | "country" => Column::Destination,
            "end_user" => Column::EndUser,
            "consignee" => Column::Consignee,
            "end_user_hq" => Column::EndUserHq,
            "parent_hq" => Column::ParentHq,
            "end_use" => Column::EndUse,
            "exporter" => Column::Exporter,
            "date" | "ship_date" => Column::Date,
            "owners" => Column::Owners,
            "region" => Column::Region,
            "eccn" => Column::Eccn,
            "us_person" => Column::UsPerson,
            _ => return None,
        })
    }
}

/// Why the header cannot be used (the run cannot start).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum HeaderError {
    /// A required column is missing.
    #[error("the header (line 1) has no `{0}` column; required: item, qty, destination")]
    Missing(&'static str),
    /// A column appears twice.
    #[error("the header (line 1) names `{0}` twice")]
    Duplicate(&'static str),
    /// No header at all.
    #[error("the file is empty: expected a header line naming the columns")]
    Empty,
    /// The header line cannot be split.
    #[error("the header (line 1) is not valid CSV: {0}")]
    Syntax(String),
}

/// Where each column is in the file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Columns {
    /// For each position in the file, the column it holds (`None`: ignored).
    positions: Vec<Option<Column>>,
    /// The header fields not recognised (ignored).
    pub ignored: Vec<String>,
}

impl Columns {
    /// Maps a header (case-insensitive; `-` and spaces read as `_`).
    pub fn from_header(fields: &[String]) -> Result<Columns, HeaderError> {
        let mut positions = Vec::with_capacity(fields.len());
        let mut ignored = Vec::new();
        for f in fields {
            match Column::from_header(f) {
                Some(c) if positions.contains(&Some(c)) => return Err(HeaderError::Duplicate(c.name())),
                Some(c) => positions.push(Some(c)),
                None => {
                    ignored.push(f.clone());
                    positions.push(None);
                }
            }
        }
        for required in [Column::Item, Column::Qty, Column::Destination] {
            if !positions.contains(&Some(required)) {
                return Err(HeaderError::Missing(required.name()));
            }
        }
        Ok(Columns { positions, ignored })
    }

    /// Whether the file has this column.
    pub fn has(&self, c: Column) -> bool {
        self.positions.contains(&Some(c))
    }

    /// The columns each output line echoes: [`Column::ALL`], then those of
    /// [`Column::OPTIONAL`] that the file has.
    pub fn echoed(&self) -> Vec<Column> {
        let mut out = Column::ALL.to_vec();
        out.extend(Column::OPTIONAL.into_iter().filter(|c| self.has(*c)));
        out
    }

    /// Number of fields a record must have.
    pub fn width(&self) -> usize {
        self.positions.len()
    }
}

/// A bad line: which field, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineError {
    /// The field (a column name, `record` for the whole line, `decision` for a determination
    /// that could not be made).
    pub field: String,
    /// Why.
    pub reason: String,
}

impl LineError {
    /// A new error.
    pub fn new(field: impl Into<String>, reason: impl Into<String>) -> Self {
        LineError {
            field: field.into(),
            reason: reason.into(),
        }
    }
}

/// One order line, parsed and validated as far as can be done without the engine: the
/// determination request ([`Request`], the one declaration of the order fields) plus what only
/// a line of a file has (its number, reference, item and date).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct OrderRow {
    /// Line number of the record in the file (1 is the header).
    pub line: u64,
    /// Given order reference.
    pub order_ref: Option<String>,
    /// Catalog id.
    pub item: String,
    /// Date (the file's, or the run's default).
    pub date: Option<Date>,
    /// The end user's owners as written (parsed into `request.owners`).
    pub owners: Option<String>,
    /// The determination request: destination, quantity (always set, at least 1), parties,
    /// headquarters, end use, exporter, region, ECCN, US person and owners.
    pub request: Request,
}

fn opt(value: &str) -> Option<String> {
    let t = value.trim();
    (!t.is_empty()).then(|| t.to_owned())
}

/// `us_person`: `yes`/`no` (also `true`/`false`, `y`/`n`, `1`/`0`), empty for not stated.
fn parse_yes_no(value: &str) -> Result<Option<bool>, LineError> {
    match value.to_ascii_lowercase().as_str() {
        "" => Ok(None),
        "yes" | "y" | "true" | "1" => Ok(Some(true)),
        "no" | "n" | "false" | "0" => Ok(Some(false)),
        _ => Err(LineError::new("us_person", format!("`{value}` is not yes or no"))),
    }
}

impl OrderRow {
    /// Validates one record's fields. `default_date` fills an empty or absent `date`.
    pub fn parse(columns: &Columns, line: u64, fields: &[String], default_date: Date) -> Result<OrderRow, LineError> {
        if fields.len() == 1 && fields.first().is_some_and(|f| f.is_empty()) {
            return Err(LineError::new("record", "empty line"));
        }
        if fields.len() != columns.width() {
            return Err(LineError::new(
                "record",
                format!("{} fields, but the header has {}", fields.len(), columns.width()),
            ));
        }
        let mut row = OrderRow {
            line,
            ..OrderRow::default()
        };
        let mut date = None;
        let mut qty = None;
        let r = &mut row.request;
        for (column, value) in columns.positions.iter().zip(fields) {
            let Some(column) = column else { continue };
            let value = value.trim();
            if value.len() > 1_000 {
                return Err(LineError::new(column.name(), "longer than 1,000 bytes"));
            }
            match column {
                Column::OrderRef => {
                    if value.chars().any(char::is_whitespace) {
                        return Err(LineError::new("order_ref", format!("`{value}` contains spaces")));
                    }
                    row.order_ref = opt(value);
                }
                Column::Item => row.item = value.to_owned(),
                Column::Qty => qty = Some(value),
                Column::Destination => r.destination = value.to_owned(),
                Column::EndUser => r.end_user = opt(value),
                Column::Consignee => r.consignee = opt(value),
                Column::EndUserHq => r.end_user_hq = opt(value),
                Column::ParentHq => r.parent_hq = opt(value),
                Column::EndUse => r.end_use = opt(value),
                Column::Exporter => r.exporter = opt(value),
                Column::Date => date = opt(value),
                Column::Owners => {
                    row.owners = opt(value);
                    r.owners = value
                        .split(';')
                        .filter(|o| !o.trim().is_empty())
                        .map(Ownership::parse_owner)
                        .collect::<Result<_, _>>()
                        .map_err(|e| LineError::new("owners", e.to_string()))?;
                }
                Column::Region => r.region = opt(value),
                Column::Eccn => r.eccn = opt(value),
                Column::UsPerson => r.us_person = parse_yes_no(value)?,
            }
        }
        if row.item.is_empty() {
            return Err(LineError::new("item", "empty"));
        }
        if row.request.destination.is_empty() {
            return Err(LineError::new("destination", "empty"));
        }
        let qty = qty.unwrap_or_default();
        row.request.quantity = Some(match qty.replace('_', "").parse::<u64>() {
            Ok(0) => return Err(LineError::new("qty", "must be at least 1")),
            Ok(n) if n > i64::MAX as u64 => return Err(LineError::new("qty", format!("`{qty}` is too large"))),
            Ok(n) => n,
            Err(_) if qty.is_empty() => return Err(LineError::new("qty", "empty")),
            Err(_) => return Err(LineError::new("qty", format!("`{qty}` is not a whole number of units"))),
        });
        row.date = Some(match date {
            Some(text) => text
                .parse::<Date>()
                .map_err(|e: chipgate_engine::DateError| LineError::new("date", e.to_string()))?,
            None => default_date,
        });
        Ok(row)
    }

    /// Units ordered: the request's quantity, which [`OrderRow::parse`] always sets (at least 1).
    pub fn qty(&self) -> u64 {
        self.request.quantity.unwrap_or_default()
    }

    /// The value of a column, as it will be written out.
    pub fn value(&self, c: Column) -> Cow<'_, str> {
        fn o(v: &Option<String>) -> Cow<'_, str> {
            Cow::Borrowed(v.as_deref().unwrap_or_default())
        }
        match c {
            Column::OrderRef => o(&self.order_ref),
            Column::Item => Cow::Borrowed(&self.item),
            Column::Qty => Cow::Owned(self.qty().to_string()),
            Column::Destination => Cow::Borrowed(&self.request.destination),
            Column::EndUser => o(&self.request.end_user),
            Column::Consignee => o(&self.request.consignee),
            Column::EndUserHq => o(&self.request.end_user_hq),
            Column::ParentHq => o(&self.request.parent_hq),
            Column::EndUse => o(&self.request.end_use),
            Column::Exporter => o(&self.request.exporter),
            Column::Date => Cow::Owned(self.date.map(|d| d.to_string()).unwrap_or_default()),
            Column::Owners => o(&self.owners),
            Column::Region => o(&self.request.region),
            Column::Eccn => o(&self.request.eccn),
            Column::UsPerson => Cow::Borrowed(match self.request.us_person {
                None => "",
                Some(true) => "yes",
                Some(false) => "no",
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests")]
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| (*x).to_owned()).collect()
    }

    #[test]
    fn header_and_rows() {
        let cols = Columns::from_header(&s(&["Item", "Quantity", "destination", "End-User", "notes", "date"])).unwrap();
        assert_eq!(cols.ignored, ["notes"]);
        let d: Date = "2025-01-02".parse().unwrap();
        let row = OrderRow::parse(&cols, 7, &s(&["nvidia-h20", "1_000", "CN", "Acme", "x", ""]), d).unwrap();
        assert_eq!((row.line, row.qty(), row.date), (7, 1000, Some(d)));
        assert_eq!(row.request.end_user.as_deref(), Some("Acme"));
        let bad = |f: &[&str]| OrderRow::parse(&cols, 2, &s(f), d).unwrap_err().field;
        assert_eq!(bad(&["nvidia-h20", "0", "CN", "", "", ""]), "qty");
        assert_eq!(bad(&["nvidia-h20", "ten", "CN", "", "", ""]), "qty");
        assert_eq!(bad(&["nvidia-h20", "1", "CN", "", "", "2025-13-01"]), "date");
        assert_eq!(bad(&["", "1", "CN", "", "", ""]), "item");
        assert_eq!(bad(&["nvidia-h20", "1", "CN"]), "record");
        assert_eq!(bad(&[""]), "record");
        assert_eq!(cols.echoed(), Column::ALL);
        assert_eq!(
            Columns::from_header(&s(&["item", "destination"])),
            Err(HeaderError::Missing("qty"))
        );
        assert_eq!(
            Columns::from_header(&s(&["item", "qty", "qty", "to"])),
            Err(HeaderError::Duplicate("qty"))
        );
    }

    #[test]
    fn region_eccn_and_us_person_columns_fill_the_request_and_are_echoed() {
        let cols = Columns::from_header(&s(&["item", "qty", "to", "Region", "ECCN", "US-Person"])).unwrap();
        assert_eq!(&cols.echoed()[12..], [Column::Region, Column::Eccn, Column::UsPerson]);
        let d: Date = "2025-01-02".parse().unwrap();
        let row = OrderRow::parse(&cols, 2, &s(&["nvidia-h20", "3", "UA", "crimea", "EAR99", "Yes"]), d).unwrap();
        let r = &row.request;
        assert_eq!(
            (r.region.as_deref(), r.eccn.as_deref(), r.us_person, r.quantity),
            (Some("crimea"), Some("EAR99"), Some(true), Some(3))
        );
        assert_eq!(row.value(Column::UsPerson), "yes");
        let no = OrderRow::parse(&cols, 3, &s(&["nvidia-h20", "3", "UA", "", "", "no"]), d).unwrap();
        assert_eq!((no.request.region, no.request.us_person), (None, Some(false)));
        let bad = OrderRow::parse(&cols, 4, &s(&["nvidia-h20", "3", "UA", "", "", "maybe"]), d).unwrap_err();
        assert_eq!(
            (bad.field.as_str(), bad.reason.as_str()),
            ("us_person", "`maybe` is not yes or no")
        );
    }
}

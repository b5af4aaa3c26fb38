//! The web app: one HTML page, one script, one style sheet, embedded in the binary. The page
//! calls the same `/v1/` API as any client, with the token the user pastes in (kept in the
//! browser's session storage).

/// The page.
pub(crate) const INDEX_HTML: &str = include_str!("web/index.html");
/// The script (vanilla JavaScript; the chart is inline SVG).
pub(crate) const APP_JS: &str = include_str!("web/app.js");
/// The style sheet.
pub(crate) const APP_CSS: &str = include_str!("web/app.css");

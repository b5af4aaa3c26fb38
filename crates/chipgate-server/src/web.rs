//! The web app: one HTML page, one script, one style sheet, embedded in the binary. The page
//! calls the same `/v1/` API as any client, with the token the user pastes in (kept in the
//! browser's session storage).
//!
//! Every view of the app has its own address (`/holds`, `/orders/<ref>`, `/chips/<id>`, …) so
//! that it can be bookmarked and shared: the server answers each of [`VIEW_PATHS`] with the
//! same page as `/`, and the script shows the view the address names (History API). Anything
//! else, `/v1/…` included, keeps its own route or the JSON 404.

/// The page.
pub(crate) const INDEX_HTML: &str = include_str!("web/index.html");
/// The script (vanilla JavaScript; the chart is inline SVG).
pub(crate) const APP_JS: &str = include_str!("web/app.js");
/// The style sheet.
pub(crate) const APP_CSS: &str = include_str!("web/app.css");

/// The addresses of the app's views besides `/`, answered with [`INDEX_HTML`]. They must match
/// `ROUTES` in `web/app.js`; the browser test (`tests/browser/drive.py`) loads several.
pub(crate) const VIEW_PATHS: &[&str] = &[
    "/chips",
    "/chips/{id}",
    "/classify",
    "/determination",
    "/check",
    "/holds",
    "/holds/{id}",
    "/review",
    "/review/{party}/{entry_key}",
    "/orders",
    "/orders/{order_ref}",
    "/screen",
    "/licenses",
    "/audit",
    "/tokens",
];

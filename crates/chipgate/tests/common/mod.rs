//! Set-up shared by the CLI test binaries (included with `mod common;`).

/// `chipgate license add` of a granted H20 license to China for 100 units, valid from
/// 2025-08-01 to 2026-07-31.
pub(crate) const LICENSE_ADD: &[&str] = &[
    "license",
    "add",
    "--number",
    "BIS-1",
    "--holder",
    "NVIDIA",
    "--item",
    "nvidia-h20",
    "--destination",
    "CN",
    "--qty",
    "100",
    "--valid-from",
    "2025-08-01",
    "--valid-to",
    "2026-07-31",
];

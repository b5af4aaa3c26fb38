//! Synthetic order books for tests and benchmarks (`chipgate gen-orders`).
//!
//! The model: a distributor with a customer base (a few thousand parties, most of them
//! ordering rarely and a few often), each customer with a headquarters country, sometimes a
//! parent elsewhere, a usual destination, an end use and the few product lines it buys; orders
//! pick a customer, an item (85 % one of its usual ones, else any, popularity skewed), a
//! quantity and a date in a window. A small share of the customers are
//! parties drawn from the restricted-party lists, written the way order entry writes them
//! (case, punctuation and legal form varied), so that screening finds something. The
//! destination mix below is a traffic model for synthetic data, not regulatory data: nothing
//! decides on it.
//!
//! Deterministic: the same options, items and parties give byte-identical output.

use std::io::{self, Write};

use chipgate_engine::Date;

use crate::reader::push_field;

/// Synthetic destination mix: ISO code and relative weight.
const MARKETS: [(&str, u32); 32] = [
    ("CN", 14),
    ("HK", 4),
    ("TW", 7),
    ("SG", 7),
    ("MY", 4),
    ("JP", 7),
    ("KR", 6),
    ("IN", 6),
    ("VN", 3),
    ("TH", 2),
    ("ID", 2),
    ("AE", 4),
    ("SA", 3),
    ("IL", 2),
    ("TR", 1),
    ("DE", 6),
    ("GB", 5),
    ("FR", 4),
    ("NL", 3),
    ("IE", 2),
    ("SE", 1),
    ("PL", 1),
    ("CA", 4),
    ("MX", 2),
    ("BR", 2),
    ("AU", 3),
    ("RU", 1),
    ("BY", 1),
    ("KZ", 1),
    ("IR", 1),
    ("MO", 1),
    ("CH", 2),
];

/// Parents' headquarters when a customer has a foreign parent.
const PARENTS: [(&str, u32); 8] = [
    ("CN", 10),
    ("US", 6),
    ("JP", 2),
    ("DE", 2),
    ("GB", 2),
    ("KR", 1),
    ("TW", 2),
    ("MO", 1),
];

const END_USES: [(&str, u32); 7] = [
    ("", 60),
    ("AI training", 12),
    ("cloud services", 10),
    ("inference", 8),
    ("research", 5),
    ("data center", 4),
    ("supercomputer", 1),
];

const SYLLABLES: [&str; 24] = [
    "zen", "tri", "nova", "lum", "vex", "ora", "kai", "tek", "sol", "mira", "qua", "dyn", "pax", "rho", "sig", "lin",
    "hua", "xin", "tai", "yu", "mei", "shan", "jin", "bao",
];

const WORDS: [&str; 14] = [
    "Compute",
    "Cloud",
    "Systems",
    "Data",
    "Technologies",
    "AI",
    "Networks",
    "Digital",
    "Semiconductor",
    "Labs",
    "Analytics",
    "Robotics",
    "Electronics",
    "Trading",
];

const LEGAL: [&str; 10] = [
    "Ltd",
    "Co., Ltd.",
    "GmbH",
    "Inc.",
    "LLC",
    "Pte. Ltd.",
    "S.A.",
    "B.V.",
    "Sdn. Bhd.",
    "",
];

/// Generator options.
#[derive(Clone, Debug)]
pub struct GenOptions {
    /// Order lines to write.
    pub lines: u64,
    /// Seed of the generator.
    pub seed: u64,
    /// First order date.
    pub start: Date,
    /// Dates are spread over this many days from `start`.
    pub days: u32,
    /// Size of the customer base.
    pub customers: usize,
    /// Share of customers drawn from the restricted-party lists, 0..1.
    pub listed_share: f64,
    /// Share of deliberately bad lines, 0..1 (for tests of error handling).
    pub bad_share: f64,
}

impl Default for GenOptions {
    fn default() -> Self {
        GenOptions {
            lines: 1_000,
            seed: 1,
            start: Date::from_days_since_epoch(20_089), // 2025-01-01
            days: 365,
            customers: 2_000,
            listed_share: 0.03,
            bad_share: 0.0,
        }
    }
}

/// A party on a list: a name and its countries.
#[derive(Clone, Debug)]
pub struct ListedName {
    /// Name as listed.
    pub name: String,
    /// Country (ISO code), if the list has one.
    pub country: Option<String>,
}

/// SplitMix64: small, fast, and good enough for synthetic data.
#[derive(Clone, Debug)]
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in 0..n (n > 0).
    fn below(&mut self, n: usize) -> usize {
        (((self.next() >> 32) * n as u64) >> 32) as usize
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> Option<&'a T> {
        if items.is_empty() {
            None
        } else {
            items.get(self.below(items.len()))
        }
    }

    fn weighted<'a>(&mut self, table: &'a [(&'a str, u32)]) -> &'a str {
        let total: u32 = table.iter().map(|(_, w)| w).sum();
        let mut x = (self.next() % u64::from(total.max(1))) as u32;
        for (v, w) in table {
            if x < *w {
                return v;
            }
            x -= w;
        }
        table.first().map_or("", |(v, _)| v)
    }
}

struct Customer {
    name: String,
    hq: String,
    parent: Option<&'static str>,
    destination: String,
    end_use: &'static str,
    /// Positions in the item popularity order this customer usually buys.
    usual: Vec<usize>,
}

fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

fn synthetic_name(rng: &mut Rng) -> String {
    let mut stem = String::new();
    for _ in 0..2 + rng.below(2) {
        stem.push_str(rng.pick(&SYLLABLES).copied().unwrap_or("zen"));
    }
    let mut name = capitalised(&stem);
    for _ in 0..1 + rng.below(2) {
        name.push(' ');
        name.push_str(rng.pick(&WORDS).copied().unwrap_or("Systems"));
    }
    let legal = rng.pick(&LEGAL).copied().unwrap_or("");
    if !legal.is_empty() {
        name.push(' ');
        name.push_str(legal);
    }
    name
}

/// A listed name as an order-entry clerk might type it.
fn variant(rng: &mut Rng, name: &str) -> String {
    match rng.below(4) {
        0 => name.to_owned(),
        1 => name.to_uppercase(),
        2 => name.replace([',', '.'], ""),
        _ => {
            let mut n = name.trim_end_matches(['.', ' ']).to_owned();
            for form in ["CO LTD", "Co Ltd", "LTD", "Ltd", "LLC", "Inc"] {
                if let Some(stripped) = n.strip_suffix(form) {
                    n = stripped.trim_end_matches([',', ' ']).to_owned();
                    break;
                }
            }
            format!("{n} Limited")
        }
    }
}

/// An item position by popularity (Zipf-like: the first items take most orders).
fn popular(rng: &mut Rng, items: usize) -> usize {
    (items as f64 * rng.unit().powi(2)) as usize
}

fn customers(rng: &mut Rng, opts: &GenOptions, listed: &[ListedName], items: usize) -> Vec<Customer> {
    (0..opts.customers.max(1))
        .map(|_| {
            let from_list = !listed.is_empty() && rng.unit() < opts.listed_share;
            let (name, hq) = match (from_list, rng.pick(listed)) {
                (true, Some(l)) => (
                    variant(rng, &l.name),
                    l.country
                        .clone()
                        .filter(|c| c != "US")
                        .unwrap_or_else(|| rng.weighted(&MARKETS).to_owned()),
                ),
                _ => (synthetic_name(rng), rng.weighted(&MARKETS).to_owned()),
            };
            // Most ship to their own country; some through a regional hub.
            let destination = if rng.unit() < 0.8 {
                hq.clone()
            } else {
                rng.weighted(&MARKETS).to_owned()
            };
            let parent = (rng.unit() < 0.12).then(|| rng.weighted(&PARENTS));
            // A customer buys from a few product lines (its fleet), now and then something else.
            let usual = (0..1 + rng.below(4)).map(|_| popular(rng, items)).collect();
            Customer {
                name,
                hq,
                parent,
                destination,
                end_use: rng.weighted(&END_USES),
                usual,
            }
        })
        .collect()
}

const BAD: [&str; 8] = [
    "no-such-chip,4,CN,Acme,CN,,,2025-03-01",
    "nvidia-h100-sxm5,0,SG,Acme,SG,,,2025-03-01",
    "nvidia-h100-sxm5,ten,SG,Acme,SG,,,2025-03-01",
    "nvidia-h100-sxm5,2,XX,Acme,,,,2025-03-01",
    "nvidia-h100-sxm5,2,DE,Acme,DE,,,2025-02-30",
    "nvidia-h100-sxm5,2,DE,\"Acme",
    "nvidia-h100-sxm5,2,DE",
    "",
];

/// Writes a header and `opts.lines` order lines (columns item, qty, destination, end_user,
/// end_user_hq, parent_hq, end_use, date). `items` are catalog ids (popularity is assigned by
/// the seed); `listed` are names to draw some customers from.
pub fn generate<W: Write>(opts: &GenOptions, items: &[String], listed: &[ListedName], out: W) -> io::Result<()> {
    let mut out = io::BufWriter::with_capacity(1 << 16, out);
    let mut rng = Rng(opts.seed ^ 0x6368_6970_6761_7465);
    if items.is_empty() {
        return Err(io::Error::other("no catalog items to draw from"));
    }
    // Item popularity: a shuffled order with Zipf-like weights.
    let mut order: Vec<&String> = items.iter().collect();
    for i in (1..order.len()).rev() {
        order.swap(i, rng.below(i + 1));
    }
    let customers = customers(&mut rng, opts, listed, order.len());
    out.write_all(b"item,qty,destination,end_user,end_user_hq,parent_hq,end_use,date\n")?;
    let mut line = Vec::with_capacity(256);
    for _ in 0..opts.lines {
        line.clear();
        if opts.bad_share > 0.0 && rng.unit() < opts.bad_share {
            line.extend_from_slice(rng.pick(&BAD).copied().unwrap_or("").as_bytes());
            line.push(b'\n');
            out.write_all(&line)?;
            continue;
        }
        // Zipf-ish: a few customers and items take most orders.
        let c = (customers.len() as f64 * rng.unit().powi(3)) as usize;
        let Some(customer) = customers.get(c) else { continue };
        let it = match rng.pick(&customer.usual) {
            Some(&usual) if rng.unit() < 0.85 => usual,
            _ => popular(&mut rng, order.len()),
        };
        let Some(item) = order.get(it) else { continue };
        let qty = match rng.below(10) {
            0..=5 => 1 + rng.below(8),
            6..=8 => 8 * (1 + rng.below(32)),
            _ => 100 * (1 + rng.below(50)),
        };
        let destination = if rng.unit() < 0.9 {
            customer.destination.clone()
        } else {
            rng.weighted(&MARKETS).to_owned()
        };
        let date = opts
            .start
            .add_days(i32::try_from(rng.below(opts.days.max(1) as usize)).unwrap_or(0));
        push_field(&mut line, item);
        line.push(b',');
        line.extend_from_slice(qty.to_string().as_bytes());
        line.push(b',');
        push_field(&mut line, &destination);
        line.push(b',');
        push_field(&mut line, &customer.name);
        line.push(b',');
        // Order entry leaves the headquarters blank on a share of lines.
        if rng.unit() < 0.85 {
            push_field(&mut line, &customer.hq);
        }
        line.push(b',');
        if let Some(p) = customer.parent {
            push_field(&mut line, p);
        }
        line.push(b',');
        push_field(&mut line, customer.end_use);
        line.push(b',');
        line.extend_from_slice(date.to_string().as_bytes());
        line.push(b'\n');
        out.write_all(&line)?;
    }
    out.flush()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests")]
    use super::*;

    #[test]
    fn deterministic_and_shaped() {
        let items = vec!["a-1".to_owned(), "b-2".to_owned()];
        let listed = vec![ListedName {
            name: "HUAWEI TECHNOLOGIES CO., LTD.".to_owned(),
            country: Some("CN".to_owned()),
        }];
        let opts = GenOptions {
            lines: 500,
            listed_share: 0.5,
            customers: 50,
            ..GenOptions::default()
        };
        let mut a = Vec::new();
        let mut b = Vec::new();
        generate(&opts, &items, &listed, &mut a).unwrap();
        generate(&opts, &items, &listed, &mut b).unwrap();
        assert_eq!(a, b);
        let text = String::from_utf8(a).unwrap();
        assert_eq!(text.lines().count(), 501);
        assert!(text.to_lowercase().contains("huawei"));
        let mut c = Vec::new();
        generate(&GenOptions { seed: 2, ..opts }, &items, &listed, &mut c).unwrap();
        assert_ne!(text.as_bytes(), c.as_slice());
    }
}

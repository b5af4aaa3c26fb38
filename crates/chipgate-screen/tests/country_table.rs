//! Screening's country table comes from `data/countries/countries.toml`; every name and code
//! the former built-in table knew resolves as it did (fixture: its snapshot).

use chipgate_screen::{country_code, is_country_code};

#[test]
fn every_name_and_code_screening_knew_resolves_the_same_way() {
    let text = include_str!("fixtures/country-table-before.tsv");
    let mut checked = 0;
    let mut codes = Vec::new();
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let (name, code) = line.split_once('\t').unwrap();
        assert_eq!(country_code(name), Some(code), "`{name}`");
        assert!(is_country_code(code), "`{code}`");
        if name == code {
            codes.push(code);
        }
        checked += 1;
    }
    assert_eq!(checked, 250 + 482, "the snapshot has 250 codes and 482 names");
    // The codes are the same set: none lost, none added.
    assert_eq!(codes.len(), 250);
    let mut all = 0;
    for a in b'A'..=b'Z' {
        for b in b'A'..=b'Z' {
            let code = String::from_utf8(vec![a, b]).unwrap();
            if is_country_code(&code) {
                assert!(codes.contains(&code.as_str()), "new code `{code}`");
                all += 1;
            }
        }
    }
    assert_eq!(all, 250);
}

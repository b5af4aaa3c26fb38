//! Properties of normalisation: idempotent, never panics.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test and bench code: failures panic loudly; helpers are shared by several test binaries"
)]

use chipgate_screen::{normalize, normalize_variants, score_pair};
use proptest::prelude::*;

fn name_strategy() -> impl Strategy<Value = String> {
    prop_oneof![
        // Realistic names with punctuation, accents and other scripts.
        proptest::collection::vec(
            prop_oneof![
                "[A-Za-z]{1,12}",
                "[ÀÉÎÕÜàéîõüßØøŁł]{1,4}",
                "[А-Яа-я]{2,8}",
                "[一-龥]{1,4}",
                "[가-힣]{1,3}",
                "[ا-ي]{2,6}",
                "[α-ω]{2,6}",
                Just("Co., Ltd.".to_string()),
                Just("LLC".to_string()),
                Just("O'Brien".to_string()),
                Just("al-".to_string()),
                Just("J.P.".to_string()),
                Just("&".to_string()),
                Just("forty".to_string()),
                Just("4".to_string()),
            ],
            1..6
        )
        .prop_map(|parts| parts.join(" ")),
        // Anything at all.
        any::<String>(),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn normalisation_is_idempotent(name in name_strategy()) {
        let once = normalize(&name).key();
        let twice = normalize(&once).key();
        prop_assert_eq!(&once, &twice, "name {:?}", name);
        prop_assert!(once.is_ascii());
    }

    #[test]
    fn normalisation_never_panics(name in any::<String>()) {
        let _ = normalize_variants(&name);
        let (s, _) = score_pair(&name, "Vladimir Putin");
        prop_assert!((0.0..=1.0).contains(&s));
    }

    #[test]
    fn pair_score_is_bounded(a in name_strategy(), b in name_strategy()) {
        let (s, m) = score_pair(&a, &b);
        prop_assert!((0.0..=1.0).contains(&s));
        prop_assert_eq!(m, s >= chipgate_screen::DEFAULT_THRESHOLD);
    }
}

#[test]
fn identical_names_score_one() {
    for n in ["Huawei Technologies Co., Ltd.", "PUTIN, Vladimir", "华为", "AT&T Inc."] {
        assert_eq!(score_pair(n, n).0, 1.0, "{n}");
    }
}

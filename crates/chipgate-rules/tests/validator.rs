//! The rule-file validator refuses what cannot be evaluated, naming file and place.
#![allow(clippy::unwrap_used, reason = "tests fail loudly")]

use chipgate_rules::{FactDef, FactKind, FactSchema, FactValue, Facts, RuleBook, RuleSet, Tri};

fn schema() -> FactSchema {
    FactSchema::new(vec![
        FactDef {
            name: "tpp",
            kind: FactKind::Number,
            label: "TPP",
        },
        FactDef {
            name: "datacenter",
            kind: FactKind::Bool,
            label: "datacenter",
        },
    ])
}

const HEAD: &str = "id = \"v1\"\ntitle = \"t\"\neffective = \"2023-11-17\"\ncitation = \"88 FR 73458\"\nurl = \"https://example.invalid\"\nevidence = \"P\"\n";

fn load(body: &str) -> Result<RuleSet, String> {
    RuleSet::from_toml(&format!("{HEAD}{body}"), "rules/v1.toml", &schema())
        .map(|(r, _)| r)
        .map_err(|e| e.to_string())
}

#[test]
fn unknown_fact_is_named_with_its_path() {
    let err = load("[[paragraphs]]\nid = \"a\"\neccn = \"X.a\"\ntext = \"t\"\nwhen = { all = [ { fact = \"tps\", op = \">=\", value = 1 } ] }\n").unwrap_err();
    assert_eq!(
        err,
        "rules/v1.toml: paragraphs[0].when.all[0]: unknown fact `tps`; known facts: tpp, datacenter"
    );
}

#[test]
fn wrong_kind_and_bad_operator_are_refused() {
    let err = load("[[paragraphs]]\nid = \"a\"\neccn = \"X.a\"\ntext = \"t\"\nwhen = { flag = \"tpp\", is = true }\n")
        .unwrap_err();
    assert_eq!(
        err,
        "rules/v1.toml: paragraphs[0].when: fact `tpp` is a number fact and cannot be used this way"
    );
    let err = load(
        "[[paragraphs]]\nid = \"a\"\neccn = \"X.a\"\ntext = \"t\"\nwhen = { fact = \"tpp\", op = \"=>\", value = 1 }\n",
    )
    .unwrap_err();
    assert!(err.ends_with("unknown operator `=>`; use >=, >, <, <= or =="), "{err}");
    let err = load("[[paragraphs]]\nid = \"a\"\neccn = \"X.a\"\ntext = \"t\"\nwhen = { fact = \"tpp\", op = \">=\", value = nan }\n").unwrap_err();
    assert!(err.contains("is not a finite number"), "{err}");
}

#[test]
fn unknown_fields_and_dangling_references_are_refused() {
    let err = load("[[paragraphs]]\nid = \"a\"\neccn = \"X.a\"\ntext = \"t\"\ncolour = 1\nwhen = { flag = \"datacenter\", is = true }\n").unwrap_err();
    assert!(err.contains("unknown field `colour`"), "{err}");
    let err = load("[[paragraphs]]\nid = \"a\"\neccn = \"X.b\"\nyields_to = [\"X.a\"]\ntext = \"t\"\nwhen = { flag = \"datacenter\", is = true }\n").unwrap_err();
    assert_eq!(
        err,
        "rules/v1.toml: paragraph `a` yields to `X.a`, which no paragraph reports"
    );
    let err = load("[[paragraphs]]\nid = \"a\"\neccn = \"X.a\"\ntext = \"t\"\nwhen = { flag = \"datacenter\", is = true }\n[[paragraphs]]\nid = \"a\"\neccn = \"X.a\"\ntext = \"t\"\nwhen = { flag = \"datacenter\", is = true }\n").unwrap_err();
    assert_eq!(err, "rules/v1.toml: paragraphs[1]: duplicate id `a`");
}

#[test]
fn kleene_logic_decides_when_it_can() {
    let set = load("[[paragraphs]]\nid = \"a\"\neccn = \"X.a\"\ntext = \"t\"\nwhen = { all = [ { flag = \"datacenter\", is = true }, { fact = \"tpp\", op = \">=\", value = 10 } ] }\n").unwrap();
    let s = schema();
    let mut facts = Facts::new(&s);
    facts.set(&s, "datacenter", FactValue::Bool(false)).unwrap();
    let v = set.evaluate(&facts, &s);
    assert_eq!(v.paragraphs[0].result, Tri::False, "false AND unknown is false");
    let mut facts = Facts::new(&s);
    facts.set(&s, "datacenter", FactValue::Bool(true)).unwrap();
    let v = set.evaluate(&facts, &s);
    assert_eq!(v.paragraphs[0].result, Tri::Unknown);
    assert_eq!(v.paragraphs[0].missing_facts, ["tpp"]);
    assert_eq!(v.undetermined.len(), 1);
}

#[test]
fn rule_book_picks_the_version_in_force_and_refuses_dates_before() {
    let a =
        load("[[paragraphs]]\nid = \"a\"\neccn = \"X.a\"\ntext = \"t\"\nwhen = { flag = \"datacenter\", is = true }\n")
            .unwrap();
    let b_text = format!(
        "{}[[paragraphs]]\nid = \"a\"\neccn = \"X.a\"\ntext = \"t\"\nwhen = {{ flag = \"datacenter\", is = true }}\n",
        HEAD.replace("v1", "v2").replace("2023-11-17", "2024-12-02")
    );
    let (b, _) = RuleSet::from_toml(&b_text, "rules/v2.toml", &schema()).unwrap();
    let book = RuleBook::new(vec![b, a.clone()]).unwrap();
    assert_eq!(book.in_force("2024-01-01".parse().unwrap()).unwrap().id, "v1");
    assert_eq!(book.in_force("2024-12-02".parse().unwrap()).unwrap().id, "v2");
    let err = book.in_force("2023-11-16".parse().unwrap()).unwrap_err().to_string();
    assert!(err.starts_with("date 2023-11-16 is before 2023-11-17"), "{err}");
    assert!(RuleBook::new(vec![a.clone(), a]).is_err());
}

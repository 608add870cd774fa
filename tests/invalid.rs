//! `scenarios/invalid/`: broken scenarios, one fault each. Each is refused
//! with exactly one error, located and coded; the full diagnostic is a
//! golden file, so a change in wording or position shows as a diff.

use crate::common::*;

#[test]
fn every_invalid_scenario_is_refused_with_one_located_error() {
    let dir = root().join("scenarios/invalid");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "ron"))
        .collect();
    files.sort();
    assert!(files.len() >= 40, "at least 40 broken scenarios");
    for path in files {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(&path).unwrap();
        let shown = format!("scenarios/invalid/{name}");
        let err = match sim_core::load(&shown, &text, &Default::default()) {
            Ok(_) => panic!("{name} loaded, but it is broken on purpose"),
            Err(e) => e,
        };
        let errors: Vec<_> = err.errors().collect();
        assert_eq!(errors.len(), 1, "{name}: one fault, one error:\n{err}");
        let p = errors[0];
        assert!(
            p.position.line > 1,
            "{name}: points past the header comment"
        );
        insta::assert_snapshot!(name.trim_end_matches(".ron").to_string(), err.to_string());
    }
}

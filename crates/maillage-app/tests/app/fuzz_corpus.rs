//! Every fuzz target run over its corpus (`fuzz/corpus/<target>/`: seeds from the real files
//! and every input fuzzing ever found interesting), as a plain test: a finding fixed stays
//! fixed. The fuzzing itself is `cargo +nightly fuzz run <target>` in `fuzz/`.

#[path = "../../../../fuzz/src/targets.rs"]
mod targets;

#[test]
fn every_fuzz_corpus_replays_without_a_finding() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus");
    for (name, target) in targets::TARGETS {
        let dir = root.join(name);
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .unwrap_or_else(|err| panic!("{}: {err}", dir.display()))
            .map(|entry| entry.unwrap().path())
            .collect();
        files.sort();
        assert!(files.len() >= 5, "{name}: a corpus of {} files", files.len());
        for file in files {
            let data = std::fs::read(&file).unwrap();
            let outcome = std::panic::catch_unwind(|| target(&data));
            assert!(outcome.is_ok(), "{name}: {} makes the target fail", file.display());
        }
    }
}

//! The bot's top-level modules import one another in one direction: no module reaches, through
//! any chain of `crate::` paths, back to itself. Read from the source as text, comments left
//! out; a failure names the cycle. (Issue 13: `settings`, `store`, `checkins`, `schedule` and
//! `ops` once formed one.) And each module sits in one layer of [`LAYERS`], importing only
//! from its own layer and those below.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Each top-level module of `src/` with the top-level modules its code names.
fn module_graph() -> BTreeMap<String, BTreeSet<String>> {
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for entry in std::fs::read_dir("src").unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        if name == "lib" || name == "main" {
            continue;
        }
        let mut uses = BTreeSet::new();
        for file in rust_files(&path) {
            let text = std::fs::read_to_string(&file).unwrap();
            for line in text.lines().filter(|l| !l.trim_start().starts_with("//")) {
                for (at, _) in line.match_indices("crate::") {
                    let rest = &line[at + "crate::".len()..];
                    let target: String = rest
                        .chars()
                        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                        .collect();
                    // `$crate::` in macros and a module's own paths are not edges.
                    let macro_path = line[..at].ends_with('$');
                    if !target.is_empty() && target != name && !macro_path {
                        uses.insert(target);
                    }
                }
            }
        }
        graph.entry(name).or_default().extend(uses);
    }
    graph
}

fn rust_files(path: &Path) -> Vec<std::path::PathBuf> {
    if path.is_dir() {
        std::fs::read_dir(path)
            .unwrap()
            .flat_map(|e| rust_files(&e.unwrap().path()))
            .collect()
    } else if path.extension().is_some_and(|e| e == "rs") {
        vec![path.to_path_buf()]
    } else {
        Vec::new()
    }
}

/// A cycle through `from`, if there is one, as the modules along it.
fn cycle_from(graph: &BTreeMap<String, BTreeSet<String>>, from: &str) -> Option<Vec<String>> {
    fn walk(
        graph: &BTreeMap<String, BTreeSet<String>>,
        start: &str,
        path: &mut Vec<String>,
        seen: &mut BTreeSet<String>,
    ) -> bool {
        let here = path.last().unwrap().clone();
        for next in graph.get(&here).into_iter().flatten() {
            if next == start {
                path.push(next.clone());
                return true;
            }
            if seen.insert(next.clone()) {
                path.push(next.clone());
                if walk(graph, start, path, seen) {
                    return true;
                }
                path.pop();
            }
        }
        false
    }
    let mut path = vec![from.to_owned()];
    walk(graph, from, &mut path, &mut BTreeSet::new()).then_some(path)
}

#[test]
fn the_modules_import_one_another_in_one_direction() {
    let graph = module_graph();
    // The reading itself works: known edges are seen.
    assert!(graph["store"].contains("settings"), "{graph:?}");
    assert!(graph["startup"].contains("discord"), "{graph:?}");
    let cycles: Vec<String> = graph
        .keys()
        .filter_map(|module| cycle_from(&graph, module))
        .map(|cycle| cycle.join(" -> "))
        .collect();
    assert!(cycles.is_empty(), "module cycles: {cycles:#?}");
    // The leaves stay leaves.
    for leaf in [
        "calendar", "clock", "ids", "shards", "echo", "invite", "charts",
    ] {
        let uses: Vec<_> = graph[leaf].iter().filter(|m| *m != "echo").collect();
        assert!(uses.is_empty(), "{leaf} imports {uses:?}");
    }
}

/// The layers, lowest first, as CONTRIBUTING.md maps them. A module may import modules of its
/// own layer or of the layers below it, never above.
const LAYERS: &[(&str, &[&str])] = &[
    (
        "foundations: plain values and rules, no I/O",
        &[
            "ids", "clock", "echo", "shards", "invite", "calendar", "settings", "acts", "charts",
        ],
    ),
    ("the store: the only place with SQL", &["store"]),
    (
        "the domain: what the bot knows how to do, without Discord",
        &[
            "daily",
            "checkins",
            "recap",
            "wins",
            "impact",
            "ideas",
            "fleet",
            "server_roll",
            "events",
        ],
    ),
    ("the jobs: everything done on a clock", &["jobs"]),
    (
        "the edge: Discord, the process, operators, the demo",
        &[
            "discord",
            "ops",
            "web",
            "startup",
            "telemetry",
            "demo",
            "against_fake",
        ],
    ),
];

/// Where a module sits in [`LAYERS`].
fn layer_of(module: &str) -> Option<usize> {
    LAYERS
        .iter()
        .position(|(_, modules)| modules.contains(&module))
}

/// Each import that points up the layers, as "from (layer) -> to (layer)".
fn upward_imports(graph: &BTreeMap<String, BTreeSet<String>>) -> Vec<String> {
    let mut upward = Vec::new();
    for (module, uses) in graph {
        let Some(from) = layer_of(module) else {
            continue;
        };
        for used in uses {
            if let Some(to) = layer_of(used)
                && to > from
            {
                upward.push(format!(
                    "{module} ({}) -> {used} ({})",
                    LAYERS[from].0, LAYERS[to].0
                ));
            }
        }
    }
    upward
}

#[test]
fn every_module_has_a_layer_and_imports_only_its_own_or_lower_ones() {
    let graph = module_graph();
    let unplaced: Vec<&String> = graph.keys().filter(|m| layer_of(m).is_none()).collect();
    assert!(
        unplaced.is_empty(),
        "modules without a layer (add them to LAYERS here and to CONTRIBUTING.md): {unplaced:?}"
    );
    let upward = upward_imports(&graph);
    assert!(
        upward.is_empty(),
        "imports that point up the layers: {upward:#?}"
    );
}

#[test]
fn an_import_up_the_layers_is_found_when_there_is_one() {
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    graph
        .entry("store".into())
        .or_default()
        .insert("jobs".into());
    graph
        .entry("jobs".into())
        .or_default()
        .insert("store".into());
    assert_eq!(
        upward_imports(&graph).len(),
        1,
        "{:?}",
        upward_imports(&graph)
    );
    assert!(upward_imports(&graph)[0].starts_with("store (the store"));
}

#[test]
fn a_cycle_is_found_when_there_is_one() {
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    graph.entry("a".into()).or_default().insert("b".into());
    graph.entry("b".into()).or_default().insert("c".into());
    graph.entry("c".into()).or_default().insert("a".into());
    graph.entry("d".into()).or_default().insert("a".into());
    assert_eq!(cycle_from(&graph, "a").unwrap(), ["a", "b", "c", "a"]);
    assert!(cycle_from(&graph, "d").is_none());
}

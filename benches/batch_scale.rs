//! Planning big batch files: read, parse, validate and price 1k / 10k / 50k items, as
//! TOML `[[item]]` tables, JSONL lines and a matrix. Goal: 50,000 items in well under 1 s,
//! and time linear in items.

use std::fmt::Write;
use std::hint::black_box;
use std::path::Path;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use peel::config::DefaultsSection;
use peel::models::Registry;
use peel::studio::batch::file::{Format, parse};
use peel::studio::batch::validate::validate;
use peel::studio::batch::{Checks, plan};
use peel::studio::preset::PresetBook;

const SIZES: [usize; 3] = [1_000, 10_000, 50_000];

/// A file shape: its name, format and how to write `count` items of it.
type Shape = (&'static str, Format, fn(usize) -> String);

/// Items with similar prompts and no keys: derived keys collide on purpose.
fn toml_items(count: usize) -> String {
    let mut text = String::from("[defaults]\nmodel = \"gemini-3.1-flash-image\"\nsize = \"1K\"\n");
    for n in 0..count {
        let _ = write!(
            text,
            "\n[[item]]\nprompt = \"product shot of mug number {n} on a white table\"\naspect = \"1:1\"\n"
        );
    }
    text
}

fn jsonl_items(count: usize) -> String {
    let mut text = String::from("{\"defaults\": {\"model\": \"gemini-3.1-flash-image\"}}\n");
    for n in 0..count {
        let _ = writeln!(
            text,
            "{{\"key\": \"mug-{n}\", \"prompt\": \"product shot of mug number {n}\", \"aspect\": \"16:9\"}}"
        );
    }
    text
}

/// A matrix of 50 × 10 × (count / 500) combinations.
fn matrix_items(count: usize) -> String {
    let list = |prefix: &str, n: usize| {
        (0..n)
            .map(|i| format!("\"{prefix}{i}\""))
            .collect::<Vec<_>>()
            .join(", ")
    };
    format!(
        "[matrix]\nprompt = \"a {{animal}} in {{style}} style, {{light}} light\"\n\
         vars = {{ animal = [{}], style = [{}], light = [{}] }}\n",
        list("animal", 50),
        list("style", 10),
        list("light", count / 500)
    )
}

fn plan_batch(c: &mut Criterion) {
    let registry = Registry::shipped().expect("the shipped registry");
    let config = DefaultsSection::default();
    let presets = PresetBook::default();
    let checks = Checks {
        registry: &registry,
        config: &config,
        presets: &presets,
        anchors: None,
    };
    let mut group = c.benchmark_group("batch_plan");
    group.sample_size(10);
    let shapes: [Shape; 3] = [
        ("toml", Format::Toml, toml_items),
        ("jsonl", Format::Jsonl, jsonl_items),
        ("matrix", Format::Toml, matrix_items),
    ];
    for (name, format, make) in shapes {
        for count in SIZES {
            let text = make(count);
            let path = Path::new("bench.toml");
            let raw = parse(path, &text, format).expect("the bench file parses");
            let batch = validate(raw, &checks).expect("the bench file is valid");
            assert_eq!(batch.items.len(), count, "{name} expands to {count} items");
            group.throughput(Throughput::Elements(count as u64));
            group.bench_with_input(BenchmarkId::new(name, count), &text, |b, text| {
                b.iter(|| {
                    let raw = parse(path, text, format).expect("parses");
                    let batch = validate(raw, &checks).expect("valid");
                    black_box(plan(&batch, &registry, 60, 4))
                })
            });
        }
    }
    group.finish();
}

criterion_group!(benches, plan_batch);
criterion_main!(benches);

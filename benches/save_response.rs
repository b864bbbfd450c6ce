//! Turning a generateContent response body into files on disk: parse, decode base64 once,
//! write the image and its sidecar. Throughput is measured in bytes of response JSON.

use std::hint::black_box;
use std::io::Cursor;

use base64::Engine as _;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use peel::api::{http, outcome};
use peel::studio::output;

/// A PNG of noise (incompressible, like a real photo-like render) at the given size.
fn noise_png(width: u32, height: u32) -> Vec<u8> {
    let mut state = 0x2545_f491_u32;
    let image = image::RgbImage::from_fn(width, height, |_, _| {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        let [r, g, b, _] = state.to_le_bytes();
        image::Rgb([r, g, b])
    });
    let mut out = Vec::new();
    image
        .write_to(&mut Cursor::new(&mut out), image::ImageFormat::Png)
        .expect("encode");
    out
}

fn response_body(png: &[u8]) -> Vec<u8> {
    let data = base64::engine::general_purpose::STANDARD.encode(png);
    format!(
        r#"{{"candidates":[{{"content":{{"role":"model","parts":[
        {{"text":"Planning the shot","thought":true}},
        {{"text":"Here is your image.","thoughtSignature":"c2lnbmF0dXJlLXRleHQ="}},
        {{"inlineData":{{"mimeType":"image/png","data":"{data}"}},"thoughtSignature":"c2lnbmF0dXJlLWltYWdl"}}]}},
        "finishReason":"STOP","index":0}}],
        "usageMetadata":{{"promptTokenCount":12,"candidatesTokenCount":1130,"thoughtsTokenCount":90,"totalTokenCount":1232,
        "candidatesTokensDetails":[{{"modality":"IMAGE","tokenCount":1120}},{{"modality":"TEXT","tokenCount":10}}]}},
        "modelVersion":"gemini-3.1-flash-image","responseId":"bench"}}"#
    )
    .into_bytes()
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut group = c.benchmark_group("save_response");
    group.sample_size(10);
    for (label, side) in [("1K", 1024u32), ("4K", 4096u32)] {
        let body = response_body(&noise_png(side, side));
        group.throughput(Throughput::Bytes(body.len() as u64));
        group.bench_function(label, |b| {
            b.iter(|| {
                let response = http::parse_answer(black_box(&body)).expect("parse");
                let result = outcome::interpret(response).expect("image");
                for image in &result.images {
                    let saved = output::save_image(dir.path(), "bench", &image.mime, &image.bytes, Some("bench"), |s| {
                        serde_json::json!({ "width": s.width, "height": s.height, "text": result.text })
                    })
                    .expect("save");
                    std::fs::remove_file(&saved.path).expect("cleanup");
                    std::fs::remove_file(&saved.sidecar).expect("cleanup");
                }
            })
        });
    }
    group.finish();

    // The same bodies without the disk: parsing and base64 decoding alone.
    let mut group = c.benchmark_group("decode_response");
    group.sample_size(10);
    for (label, side) in [("1K", 1024u32), ("4K", 4096u32)] {
        let body = response_body(&noise_png(side, side));
        group.throughput(Throughput::Bytes(body.len() as u64));
        group.bench_function(label, |b| {
            b.iter(|| {
                let response = http::parse_answer(black_box(&body)).expect("parse");
                black_box(outcome::interpret(response).expect("image"))
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

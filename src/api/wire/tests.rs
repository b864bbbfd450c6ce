//! Tests of the wire types: unknown fields and values tolerated, camelCase on the wire,
//! snake_case accepted, base64 round trips.

use super::*;

#[test]
fn unknown_fields_and_enum_values_never_break_parsing() {
    let body = r#"{"candidates":[{"content":{"role":"model","parts":[
        {"text":"hi","thoughtSignature":"c2ln","brandNew":1},
        {"inlineData":{"mimeType":"image/png","data":"AAEC"},"thoughtSignature":"c2lnMg=="}]},
        "finishReason":"SOMETHING_NEW","extra":{"a":1}}],
        "usageMetadata":{"candidatesTokensDetails":[{"modality":"HOLOGRAM","tokenCount":3}]},
        "modelStatus":{"stage":"GA"},"responseId":"r1"}"#;
    let resp: GenerateContentResponse = serde_json::from_str(body).unwrap();
    let cand = &resp.candidates[0];
    assert_eq!(
        cand.finish_reason,
        Some(FinishReason::Other("SOMETHING_NEW".into()))
    );
    let parts = &cand.content.as_ref().unwrap().parts;
    assert_eq!(parts[1].inline_data.as_ref().unwrap().data.0, vec![0, 1, 2]);
    assert_eq!(parts[1].thought_signature.as_deref(), Some("c2lnMg=="));
    let usage = resp.usage_metadata.unwrap();
    assert_eq!(
        usage.candidates_tokens_details[0].modality,
        Modality::Other("HOLOGRAM".into())
    );
}

#[test]
fn request_serializes_in_camel_case_and_round_trips() {
    let req = GenerateContentRequest {
        contents: vec![Content {
            role: Some("user".into()),
            parts: vec![Part::text("fox")],
        }],
        generation_config: Some(GenerationConfig {
            response_modalities: vec![Modality::Text, Modality::Image],
            image_config: Some(ImageConfig {
                aspect_ratio: Some("16:9".into()),
                image_size: Some("2K".into()),
                person_generation: None,
            }),
            thinking_config: Some(ThinkingConfig {
                thinking_level: Some(ThinkingLevel::High),
                include_thoughts: Some(true),
            }),
            seed: Some(42),
            ..Default::default()
        }),
        tools: vec![Tool {
            google_search: Some(GoogleSearch {
                search_types: Some(SearchTypes {
                    web_search: Some(Empty {}),
                    image_search: Some(Empty {}),
                }),
            }),
        }],
        ..Default::default()
    };
    let json = serde_json::to_value(&req).unwrap();
    assert_eq!(json["generationConfig"]["imageConfig"]["imageSize"], "2K");
    assert_eq!(
        json["generationConfig"]["thinkingConfig"]["thinkingLevel"],
        "HIGH"
    );
    assert_eq!(json["generationConfig"]["responseModalities"][1], "IMAGE");
    assert_eq!(
        json["tools"][0]["googleSearch"]["searchTypes"]["imageSearch"],
        serde_json::json!({})
    );
    assert!(json.get("safetySettings").is_none());
    let back: GenerateContentRequest = serde_json::from_value(json).unwrap();
    assert_eq!(back.generation_config, req.generation_config);
}

#[test]
fn snake_case_requests_are_accepted() {
    let body = r#"{"contents":[{"parts":[{"inline_data":{"mime_type":"image/png","data":"AAEC"}}]}],
        "generation_config":{"response_modalities":["IMAGE"],"image_config":{"aspect_ratio":"1:1"}}}"#;
    let req: GenerateContentRequest = serde_json::from_str(body).unwrap();
    let blob = req.contents[0].parts[0].inline_data.as_ref().unwrap();
    assert_eq!(blob.mime_type, "image/png");
    let cfg = req.generation_config.unwrap();
    assert_eq!(
        cfg.image_config.unwrap().aspect_ratio.as_deref(),
        Some("1:1")
    );
}

#[test]
fn base64_round_trips_and_rejects_garbage() {
    let part = Part::image("image/png", vec![255, 0, 10]);
    let json = serde_json::to_string(&part).unwrap();
    assert!(json.contains("\"data\":\"/wAK\""), "{json}");
    let back: Part = serde_json::from_str(&json).unwrap();
    assert_eq!(back, part);
    let bad =
        serde_json::from_str::<Part>(r#"{"inlineData":{"mimeType":"image/png","data":"!!"}}"#);
    assert!(bad.unwrap_err().to_string().contains("base64"));
}

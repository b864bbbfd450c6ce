//! `peel mcp` driven by rmcp's own client over stdio (no API key: the embedded simulator),
//! and the streamable HTTP transport spoken to by hand.

mod common;
mod mcp_clients;

use base64::Engine;
use common::World;
use rmcp::model::{
    CallToolRequestParams, ContentBlock, ReadResourceRequestParams, ResourceContents,
};
use serde_json::{Value, json};

fn args(value: Value) -> serde_json::Map<String, Value> {
    value.as_object().unwrap().clone()
}

fn texts(content: &[ContentBlock]) -> String {
    content
        .iter()
        .filter_map(|c| match c {
            ContentBlock::Text(t) => Some(t.text.clone()),
            _ => None,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rmcp_client_generates_offline_and_is_told_so() {
    let world = World::new();
    let client = mcp_clients::over_stdio(&world, ()).await;
    let info = client.peer_info().unwrap();
    let instructions = info.instructions.clone().unwrap_or_default();
    assert!(instructions.contains("offline simulator"), "{instructions}");

    let tools = client.list_all_tools().await.unwrap();
    assert_eq!(
        tools.len(),
        14,
        "{:?}",
        tools.iter().map(|t| &t.name).collect::<Vec<_>>()
    );

    let result = client
        .call_tool(CallToolRequestParams::new("generate").with_arguments(args(
            json!({ "prompt": "two lighthouses at dusk", "count": 2, "size": "1K", "seed": 5 }),
        )))
        .await
        .unwrap();
    let text = texts(&result.content);
    assert_eq!(result.is_error, Some(false), "{text}");
    assert!(text.contains("offline simulator"), "{text}");
    let body = result.structured_content.unwrap();
    let outputs = body["outputs"].as_array().unwrap();
    assert_eq!(outputs.len(), 2);
    assert_eq!(body["backend"], "simulator");
    let seeds: Vec<i64> = outputs
        .iter()
        .map(|o| o["seed"].as_i64().unwrap())
        .collect();
    assert_eq!(seeds, vec![5, 6]);
    let images = result
        .content
        .iter()
        .filter(|c| matches!(c, ContentBlock::Image(i) if i.mime_type == "image/jpeg"))
        .count();
    assert_eq!(images, 2);
    for o in outputs {
        let path = std::path::Path::new(o["path"].as_str().unwrap());
        assert!(
            path.starts_with(world.root.path().join("peel-out")),
            "{}",
            path.display()
        );
        assert!(path.is_file());
    }

    let refused = client
        .call_tool(
            CallToolRequestParams::new("generate")
                .with_arguments(args(json!({ "prompt": "a fox", "size": "9K" }))),
        )
        .await
        .unwrap();
    assert_eq!(refused.is_error, Some(true));
    let message = texts(&refused.content);
    assert!(
        message.contains("'9K'") && message.contains("Allowed"),
        "{message}"
    );
    assert!(message.contains("offline simulator"), "{message}");

    let plan_file = world.root.path().join("b.toml");
    std::fs::write(
        &plan_file,
        "[[item]]\nprompt = \"a fox\"\n[[item]]\nprompt = \"a mug\"\n",
    )
    .unwrap();
    let plan = client
        .call_tool(
            CallToolRequestParams::new("batch_plan")
                .with_arguments(args(json!({ "file": "b.toml" }))),
        )
        .await
        .unwrap();
    assert_eq!(plan.is_error, Some(false), "{}", texts(&plan.content));
    assert_eq!(plan.structured_content.unwrap()["items"], 2);

    let missing = client
        .call_tool(
            CallToolRequestParams::new("batch_plan")
                .with_arguments(args(json!({ "file": "missing.toml" }))),
        )
        .await
        .unwrap();
    assert_eq!(missing.is_error, Some(true));
    let cli = world.run(&["batch", "plan", "missing.toml"]);
    assert_eq!(cli.status.code(), Some(2));
    let cli_message = common::stderr(&cli);
    let cli_message = cli_message.trim().trim_start_matches("peel: error: ");
    let ContentBlock::Text(first) = &missing.content[0] else {
        panic!("a refusal starts with its message");
    };
    assert_eq!(first.text, cli_message);
    assert!(cli_message.contains("missing.toml"), "{cli_message}");
    client.cancel().await.unwrap();
}

#[test]
fn http_binds_loopback_only_and_answers_initialize() {
    let world = World::new();
    let out = world.run(&["mcp", "--http", "0.0.0.0:0"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        common::stderr(&out).contains("loopback"),
        "{}",
        common::stderr(&out)
    );

    let mut server = mcp_clients::HttpServer::start(&world);
    let url = server.url.clone();
    let child = &mut server.child;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let initialize = json!({
        "jsonrpc": "2.0", "id": 1, "method": "initialize",
        "params": { "protocolVersion": "2025-06-18", "capabilities": {},
                    "clientInfo": { "name": "peel-test", "version": "0" } }
    });
    let post = |headers: &[(&str, &str)], body: String| {
        let client = reqwest::Client::new();
        let mut request = client
            .post(&url)
            .header("accept", "application/json, text/event-stream");
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let request = request.body(body);
        runtime.block_on(async {
            let answer = request.send().await.unwrap();
            (answer.status().as_u16(), answer.text().await.unwrap())
        })
    };
    let json_type = ("content-type", "application/json");
    // A web page elsewhere: its cross-site POST (a "simple" text/plain one, which a browser
    // sends without asking first) and a JSON one carrying its Origin are both refused.
    let foreign = ("origin", "https://evil.example");
    let (status, _) = post(
        &[foreign, ("content-type", "text/plain")],
        initialize.to_string(),
    );
    assert!(
        status >= 400,
        "a cross-site text/plain POST was answered {status}"
    );
    let (status, said) = post(&[foreign, json_type], initialize.to_string());
    assert_eq!(status, 403, "{said}");
    // DNS rebinding: the page's own name in Host, resolved to 127.0.0.1.
    let (status, said) = post(
        &[("host", "evil.example"), json_type],
        initialize.to_string(),
    );
    assert_eq!(status, 403, "{said}");
    // A local page and a program without Origin are served.
    let port = url
        .split(':')
        .nth(2)
        .and_then(|p| p.split('/').next())
        .unwrap();
    let local = format!("http://localhost:{port}");
    let (status, said) = post(&[("origin", &local), json_type], initialize.to_string());
    assert_eq!(status, 200, "{said}");
    let (_, body) = post(&[json_type], initialize.to_string());
    // Ctrl-C stops the server, which exits cleanly.
    let interrupted = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(interrupted.success());
    let started = std::time::Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break Some(status);
        }
        if started.elapsed().as_secs() > 10 {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    assert!(
        status.is_some_and(|s| s.success()),
        "peel mcp --http ignored Ctrl-C: {status:?}"
    );
    assert!(body.contains("\"name\":\"peel\""), "{body}");
    assert!(body.contains("offline simulator"), "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_batch_api_lane_submits_polls_and_fetches_across_calls() {
    let world = World::new();
    std::fs::write(
        world.root.path().join("b.toml"),
        "[defaults]\nsize = \"1K\"\n[[item]]\nprompt = \"a fox\"\n[[item]]\nprompt = \"a mug\"\n",
    )
    .unwrap();
    let client = mcp_clients::over_stdio(&world, ()).await;
    let call = |name: &'static str, arguments: Value| {
        let client = &client;
        async move {
            client
                .call_tool(CallToolRequestParams::new(name).with_arguments(args(arguments)))
                .await
                .unwrap()
        }
    };
    let sent = call("batch_submit", json!({ "file": "b.toml" })).await;
    assert_eq!(sent.is_error, Some(false), "{}", texts(&sent.content));
    let sent = sent.structured_content.unwrap();
    assert_eq!(sent["requests"], 2);
    let run = sent["run"].to_string();
    // The embedded simulator keeps a batch pending, then running, 5 s each.
    let started = std::time::Instant::now();
    loop {
        let status = call("batch_status", json!({ "name": run })).await;
        assert_eq!(status.is_error, Some(false), "{}", texts(&status.content));
        let body = status.structured_content.unwrap();
        if body["done"] == true {
            assert_eq!(body["state"], "succeeded", "{body}");
            break;
        }
        assert!(
            started.elapsed().as_secs() < 40,
            "the batch never finished: {body}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    }
    let fetched = call("batch_fetch", json!({ "name": run })).await;
    assert_eq!(fetched.is_error, Some(false), "{}", texts(&fetched.content));
    let body = fetched.structured_content.unwrap();
    assert_eq!(body["saved"], 2, "{body}");
    let dir = std::path::Path::new(body["dir"].as_str().unwrap());
    assert!(
        dir.starts_with(world.root.path().join("peel-out")),
        "{}",
        dir.display()
    );
    let pngs = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "png"))
        .count();
    assert_eq!(pngs, 2);
    // Batch API results have no job: each links as an item of its run, and reads back whole.
    let links: Vec<_> = fetched
        .content
        .iter()
        .filter_map(ContentBlock::as_resource_link)
        .collect();
    assert_eq!(links.len(), 2, "one link per saved image");
    assert!(
        links[0].uri.starts_with("peel://output/run"),
        "{}",
        links[0].uri
    );
    let read = client
        .read_resource(ReadResourceRequestParams::new(links[1].uri.clone()))
        .await
        .unwrap();
    let ResourceContents::BlobResourceContents { blob, .. } = &read.contents[0] else {
        panic!("{:?}", read.contents);
    };
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(blob)
        .unwrap();
    assert_eq!(Some(bytes.len() as u64), links[1].size);
    assert_eq!(bytes, std::fs::read(dir.join(&links[1].name)).unwrap());
    let again = call("batch_fetch", json!({ "name": run })).await;
    assert_eq!(again.structured_content.unwrap()["already"], 2);
    client.cancel().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agent_makes_a_story_and_checks_it() {
    let world = World::new();
    world.add_config("[batch]\nrpm = 6000");
    let reference = world.root.path().join("mira.png");
    image::RgbImage::from_pixel(64, 64, image::Rgb([230, 40, 160]))
        .save(&reference)
        .unwrap();
    let added = world.run(&[
        "roster",
        "add",
        "character",
        "Mira",
        "--ref",
        reference.to_str().unwrap(),
    ]);
    assert!(added.status.success(), "{}", common::stderr(&added));
    std::fs::write(
        world.root.path().join("walk.toml"),
        "[defaults]\nmodel = \"nano-banana-2\"\nsize = \"512\"\nwith = [\"Mira\"]\n[[frame]]\nkey = \"gate\"\nprompt = \"Mira at the gate\"\n[[frame]]\nkey = \"path\"\nprompt = \"Mira on the path\"\n",
    )
    .unwrap();
    let client = mcp_clients::over_stdio(&world, ()).await;
    let story = client
        .call_tool(
            CallToolRequestParams::new("story")
                .with_arguments(args(json!({ "file": "walk.toml" }))),
        )
        .await
        .unwrap();
    assert_eq!(story.is_error, Some(false), "{}", texts(&story.content));
    let body = story.structured_content.unwrap();
    let frames = body["frames"].as_array().unwrap();
    assert_eq!(frames.len(), 2);
    assert_eq!(frames[1]["previous_frame"], "01_gate.jpg", "{body}");
    let linked: Vec<String> = story
        .content
        .iter()
        .filter_map(ContentBlock::as_resource_link)
        .map(|l| l.name.clone())
        .collect();
    assert_eq!(linked, ["01_gate.jpg", "02_path.jpg"], "a link per frame");
    let dir = body["dir"].as_str().unwrap().to_string();
    assert!(std::path::Path::new(&dir).join("sheet.png").is_file());

    let checked = client
        .call_tool(
            CallToolRequestParams::new("check").with_arguments(args(json!({ "paths": [dir] }))),
        )
        .await
        .unwrap();
    assert_eq!(checked.is_error, Some(false), "{}", texts(&checked.content));
    let body = checked.structured_content.unwrap();
    assert_eq!(body["images"].as_array().unwrap().len(), 2, "{body}");
    assert!(body["images"][0]["anchors"][0]["score"].as_u64().unwrap() >= 70);

    let refused = client
        .call_tool(
            CallToolRequestParams::new("check")
                .with_arguments(args(json!({ "paths": [dir], "with": ["Nobody"] }))),
        )
        .await
        .unwrap();
    assert_eq!(refused.is_error, Some(true));
    assert!(texts(&refused.content).contains("no anchor is named 'Nobody'"));
    client.cancel().await.unwrap();
}

//! A throwaway service account for Vertex AI tests: an RSA key generated at test time (never
//! a real credential) in a service-account JSON whose `token_uri` is the simulator's `/token`.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rsa::{KeyPair, KeySize};
use base64::Engine as _;

/// The client email the test service account uses.
pub const CLIENT_EMAIL: &str = "peel-test@peel-test-project.iam.gserviceaccount.com";

/// The project named in the test service account.
pub const PROJECT: &str = "peel-test-project";

/// A PKCS#8 PEM RSA key, generated once per test binary.
fn private_key_pem() -> &'static str {
    static PEM: OnceLock<String> = OnceLock::new();
    PEM.get_or_init(|| {
        let key = KeyPair::generate(KeySize::Rsa2048).unwrap();
        let der = AsDer::<aws_lc_rs::encoding::Pkcs8V1Der>::as_der(&key).unwrap();
        let b64 = base64::engine::general_purpose::STANDARD.encode(der.as_ref());
        let lines: Vec<&str> = b64
            .as_bytes()
            .chunks(64)
            .map(|c| std::str::from_utf8(c).unwrap())
            .collect();
        format!(
            "-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n",
            lines.join("\n")
        )
    })
}

/// Writes `sa.json` under `dir` for `email`, with `token_uri` at `sim_url/token`.
pub fn write_service_account(dir: &Path, sim_url: &str, email: &str) -> PathBuf {
    let json = serde_json::json!({
        "type": "service_account",
        "project_id": PROJECT,
        "private_key_id": "peel-test-key",
        "private_key": private_key_pem(),
        "client_email": email,
        "client_id": "1",
        "auth_uri": format!("{sim_url}/auth"),
        "token_uri": format!("{sim_url}/token"),
    });
    let path = dir.join("sa.json");
    std::fs::write(&path, json.to_string()).unwrap();
    path
}

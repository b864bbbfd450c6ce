//! Test support for engine tests: the in-process simulator with a client pointed at it.

use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use crate::api::client::{ClientOptions, GeminiClient, RetryPolicy};
use crate::config::{Secret, Transport};
use crate::models::Registry;
use crate::sim::{self, SimConfig, SimHandle};

/// The shipped registry, a simulator started with `config` on a free port, and a client
/// of it on `transport`.
pub async fn sim_and_client(
    config: SimConfig,
    transport: Transport,
) -> (Registry, SimHandle, GeminiClient) {
    let registry = Registry::shipped().expect("the shipped registry");
    let handle = sim::start(
        config,
        registry.clone(),
        SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
    )
    .await
    .expect("the simulator starts");
    let client = GeminiClient::new(ClientOptions {
        base_url: handle.base_url(),
        api_version: "v1beta".into(),
        key: Secret::new("k"),
        timeout: Duration::from_secs(30),
        connect_timeout: Duration::from_secs(5),
        retry: RetryPolicy::default(),
        quota_project: None,
        transport,
    })
    .expect("a client");
    (registry, handle, client)
}

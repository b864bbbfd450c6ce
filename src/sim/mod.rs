//! PLACEHOLDER: replaced by the simulator branch at merge.
#![allow(missing_docs)]
use std::net::SocketAddr;
use std::time::Duration;

#[derive(Debug, Clone, Default)]
pub struct FaultSpec {
    pub rules: Vec<String>,
}
impl FaultSpec {
    pub fn parse(_spec: &str) -> Result<FaultSpec, String> {
        Ok(FaultSpec {
            rules: vec![_spec.to_string()],
        })
    }
}
#[derive(Debug, Clone, Default)]
pub enum Latency {
    #[default]
    Realistic,
    Fixed(Duration),
}
#[derive(Debug, Clone, Default)]
pub struct SimConfig {
    pub key: Option<String>,
    pub latency: Latency,
    pub rpm: Option<u32>,
    pub faults: FaultSpec,
    pub extra: (),
}
pub struct SimHandle {
    addr: SocketAddr,
}
impl SimHandle {
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }
    pub async fn shutdown(self) {}
}
pub async fn start(
    _config: SimConfig,
    _registry: crate::models::Registry,
    addr: SocketAddr,
) -> std::io::Result<SimHandle> {
    Ok(SimHandle { addr })
}

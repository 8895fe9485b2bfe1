//! Integration tests of meraki-client: the HTTP path against wiremock (and a raw TCP server for
//! dropped connections), the pacing layer over a fake inner service with paused time, and the
//! published API contract (Meraki's OpenAPI subset) against meraki-sim.

mod contract;
mod http;
mod pacing;
mod retry;
mod support;

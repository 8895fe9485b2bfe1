//! Integration tests of meraki-client: the HTTP path against wiremock (and a raw TCP server for
//! dropped connections), the pacing layer over a fake inner service with paused time.

mod http;
mod pacing;
mod retry;
mod support;

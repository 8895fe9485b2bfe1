//! Integration tests: the simulator served over real HTTP on loopback.

mod api;
mod binary;
mod common;
mod contract;
mod date;
mod exactness;
mod faults;
mod limits;
mod network_view;
mod pagination;
mod python_sdk;
mod world_file;

//! End to end: an h2grpc server and an h2grpc client over loopback TCP.
//!
//! Tests carry the names of the official interop cases where they match
//! (grpc/grpc `doc/interop-test-descriptions.md`); each server is built in the test, with
//! ad-hoc handlers on the test messages of `support::messages` and the `hello` messages.

mod cancellation;
mod deadlines;
mod flow_control;
mod kinds;
mod lifecycle;
mod metadata;
mod status;

use h2grpc::client::{Channel, ChannelConfig};
use h2grpc::services::hello::{HelloReply, HelloRequest};

use crate::support::net::within;

fn hello(name: &str) -> HelloRequest {
    HelloRequest { name: name.into() }
}

fn reply(message: &str) -> HelloReply {
    HelloReply {
        message: message.into(),
    }
}

async fn connect(target: &str) -> Channel {
    within("connecting", Channel::connect(target))
        .await
        .expect("connect")
}

async fn connect_with(target: &str, config: ChannelConfig) -> Channel {
    let channel = Channel::new(target, config).unwrap();
    within("connecting", channel.ready(crate::support::net::HANG))
        .await
        .expect("connect");
    channel
}

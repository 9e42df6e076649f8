//! Misbehaving peers scripted on raw `h2` (and, where `h2` is too well-behaved, raw frames):
//! requests no h2grpc client would send to an h2grpc server, and answers no h2grpc server
//! would give to an h2grpc client.

mod against_client;
mod against_server;
mod connections;

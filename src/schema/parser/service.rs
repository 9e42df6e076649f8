//! Services and their rpcs: streaming on either side, and the `{ option ...; }` body.

use super::{Parser, Result, bs};
use crate::schema::descriptor::{MethodDescriptorProto, ServiceDescriptorProto};
use crate::schema::lexer::Token;
use crate::schema::options::Options;

impl Parser<'_> {
    // ===== Services =====

    pub(super) fn service(&mut self) -> Result<ServiceDescriptorProto> {
        let name = self.ident("a service name")?;
        let mut service = ServiceDescriptorProto {
            name: bs(&name),
            ..ServiceDescriptorProto::default()
        };
        self.expect_symbol('{')?;
        while !self.eat_symbol('}') {
            if self.eat_symbol(';') {
                continue;
            }
            if self.eat_ident("option") {
                self.option_statement(&mut service.options)?;
                continue;
            }
            self.expect_ident("rpc")?;
            service.method.push(self.rpc(&name)?);
        }
        Ok(service)
    }

    /// `rpc Name ([stream] Req) returns ([stream] Resp) (; | { options })`, `rpc` already read.
    fn rpc(&mut self, service: &str) -> Result<MethodDescriptorProto> {
        let name = self.ident("a method name")?;
        let (client_streaming, input) = self.rpc_type(&format!("{service}.{name}#input"))?;
        self.expect_ident("returns")?;
        let (server_streaming, output) = self.rpc_type(&format!("{service}.{name}#output"))?;
        let mut method = MethodDescriptorProto {
            name: bs(&name),
            input_type: bs(&input),
            output_type: bs(&output),
            options: None,
            client_streaming: client_streaming.then_some(true),
            server_streaming: server_streaming.then_some(true),
        };
        if self.eat_symbol('{') {
            // protoc records a body, even an empty one, as (empty) options.
            method.options.get_or_insert_with(Options::new);
            while !self.eat_symbol('}') {
                if self.eat_symbol(';') {
                    continue;
                }
                self.expect_ident("option")?;
                self.option_statement(&mut method.options)?;
            }
            self.eat_symbol(';');
        } else {
            self.expect_symbol(';')?;
        }
        Ok(method)
    }

    /// `( [stream] MessageType )`, its position recorded under `key`.
    fn rpc_type(&mut self, key: &str) -> Result<(bool, String)> {
        self.expect_symbol('(')?;
        let stream = matches!(
            self.peek_at(1),
            Some(Token::Ident(_)) | Some(Token::Symbol('.'))
        ) && self.eat_ident("stream");
        self.record(key);
        let name = self.full_ident("a message type", true)?;
        self.expect_symbol(')')?;
        Ok((stream, name))
    }
}

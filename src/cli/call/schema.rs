//! Where `h2grpc call` gets its schema: the server's reflection, `.proto` files, or a
//! `FileDescriptorSet`; in every case a list of resolved `FileDescriptorProto`s and the
//! [`Types`] index built on them.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use bytes::Bytes;
use h2grpc::client::Channel;
use h2grpc::dynamic::{MessageType, Types};
use h2grpc::protobuf::Message;
use h2grpc::schema::Schema;
use h2grpc::schema::descriptor::{
    FileDescriptorProto, FileDescriptorSet, MethodDescriptorProto, ServiceDescriptorProto,
};
use h2grpc::services::reflection::fetch_schema;

use crate::cli::Failure;

/// The files of a schema, and their types indexed.
#[derive(Debug)]
pub(crate) struct Descriptors {
    pub(crate) files: Vec<FileDescriptorProto>,
    pub(crate) types: Arc<Types>,
    /// The services to list: from reflection, what the server says it serves.
    listed: Option<Vec<String>>,
}

/// A method of the schema, resolved.
#[derive(Debug)]
pub(crate) struct Method<'a> {
    /// `/package.Service/Method`.
    pub(crate) path: String,
    pub(crate) descriptor: &'a MethodDescriptorProto,
    pub(crate) input: MessageType,
    pub(crate) output: MessageType,
}

fn package_of(file: &FileDescriptorProto) -> &str {
    file.package.as_deref().unwrap_or_default()
}

fn join(scope: &str, name: &str) -> String {
    if scope.is_empty() {
        name.to_owned()
    } else {
        format!("{scope}.{name}")
    }
}

impl Descriptors {
    fn new(files: Vec<FileDescriptorProto>, listed: Option<Vec<String>>) -> Result<Self, Failure> {
        let types = Types::new(&files)
            .map_err(|error| Failure::runtime(format!("the schema is incomplete: {error}")))?;
        Ok(Self {
            files,
            types,
            listed,
        })
    }

    /// The project's own `proto/` files, built into the binary.
    pub(crate) fn embedded() -> Result<Self, Failure> {
        Self::new(Schema::embedded().files().to_vec(), None)
    }

    /// A `FileDescriptorSet` file.
    pub(crate) fn from_protoset(path: &Path) -> Result<Self, Failure> {
        let bytes = std::fs::read(path)
            .map_err(|e| Failure::runtime(format!("cannot read {}: {e}", path.display())))?;
        let set = FileDescriptorSet::decode(Bytes::from(bytes)).map_err(|e| {
            Failure::runtime(format!(
                "{} is not a FileDescriptorSet: {e}",
                path.display()
            ))
        })?;
        let schema = Schema::from_files(set.file)
            .map_err(|e| Failure::runtime(format!("{}: {e}", path.display())))?;
        Self::new(schema.files().to_vec(), None)
    }

    /// `.proto` files, found in `import_paths`.
    pub(crate) fn from_protos(
        import_paths: &[PathBuf],
        files: &[PathBuf],
    ) -> Result<Self, Failure> {
        let schema = Schema::load(import_paths, files).map_err(Failure::runtime)?;
        Self::new(schema.files().to_vec(), None)
    }

    /// The server's reflection ([`fetch_schema`]): `v1` first, `v1alpha` if the server does not
    /// have `v1`.
    pub(crate) async fn from_reflection(channel: &Channel, target: &str) -> Result<Self, Failure> {
        let served = fetch_schema(channel)
            .await
            .map_err(|status| Failure::rpc(&format!("server reflection at {target}"), &status))?;
        Self::new(served.schema.files().to_vec(), Some(served.services))
    }

    /// The full names of the services, sorted.
    pub(crate) fn services(&self) -> Vec<String> {
        let mut names: Vec<String> = match &self.listed {
            Some(listed) => listed.clone(),
            None => self
                .files
                .iter()
                .flat_map(|file| {
                    file.service
                        .iter()
                        .map(|s| join(package_of(file), s.name.as_deref().unwrap_or_default()))
                })
                .collect(),
        };
        names.sort();
        names.dedup();
        names
    }

    /// The service called `name`, and its package.
    pub(crate) fn service(&self, name: &str) -> Option<(&str, &ServiceDescriptorProto)> {
        self.files.iter().find_map(|file| {
            let package = package_of(file);
            file.service
                .iter()
                .find(|s| join(package, s.name.as_deref().unwrap_or_default()) == name)
                .map(|s| (package, s))
        })
    }

    /// `package.Service.Method` for each method of `service`, sorted.
    pub(crate) fn methods(&self, service: &str) -> Result<Vec<String>, Failure> {
        let (_, descriptor) = self
            .service(service)
            .ok_or_else(|| Failure::runtime(format!("service {service:?} not found")))?;
        let mut names: Vec<String> = descriptor
            .method
            .iter()
            .map(|m| join(service, m.name.as_deref().unwrap_or_default()))
            .collect();
        names.sort();
        Ok(names)
    }

    /// The method `package.Service/Method` (or `package.Service.Method`).
    pub(crate) fn method(&self, name: &str) -> Result<Method<'_>, Failure> {
        let (service, method) = name
            .rsplit_once('/')
            .or_else(|| name.rsplit_once('.'))
            .ok_or_else(|| {
                Failure::usage(format!(
                    "{name:?} is not a method: write package.Service/Method"
                ))
            })?;
        let (_, descriptor) = self
            .service(service)
            .ok_or_else(|| Failure::runtime(format!("service {service:?} not found")))?;
        let descriptor = descriptor
            .method
            .iter()
            .find(|m| m.name.as_deref() == Some(method))
            .ok_or_else(|| {
                Failure::runtime(format!("service {service:?} has no method {method:?}"))
            })?;
        let message = |name: Option<&str>| {
            let name = name.unwrap_or_default();
            MessageType::new(&self.types, name)
                .ok_or_else(|| Failure::runtime(format!("message type {name} not found")))
        };
        Ok(Method {
            path: format!("/{service}/{method}"),
            input: message(descriptor.input_type.as_deref())?,
            output: message(descriptor.output_type.as_deref())?,
            descriptor,
        })
    }
}

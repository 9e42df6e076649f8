//! `.proto` files from disk, found as protoc finds them: [`Schema::load`].
//!
//! protoc names each file by its path *relative to the import path* (`--proto_path`, `-I`)
//! that contains it: with `-I proto`, the file `proto/shop/order.proto` is
//! `shop/order.proto`, and that is what other files write in their `import` lines and what the
//! `FileDescriptorProto` is called. An import is looked for in each import path in turn, the
//! first one that has it winning; here the bundled [`WELL_KNOWN`] types come after them all,
//! as protoc's own include directory does.

use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};

use super::parser::{self, Parsed};
use super::{ErrorKind, Schema, SchemaError, WELL_KNOWN};

impl Schema {
    /// Reads, parses and resolves `files` and everything they import, transitively, from
    /// `import_paths`, as `protoc --proto_path=<each import path> <files>` would.
    ///
    /// A file of `files` is named by its path relative to the first import path that contains
    /// it (`proto/a/b.proto` with the import path `proto` is `a/b.proto`), or, when it is under
    /// none of them, taken as a name to look up in them. The schema holds `files` first, then
    /// the files they import in the order they are found.
    ///
    /// ```
    /// use std::path::PathBuf;
    /// use h2grpc::schema::Schema;
    ///
    /// let proto = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("proto");
    /// let schema = Schema::load(&[proto.clone()], &[proto.join("grpc/health/v1/health.proto")])
    ///     .unwrap();
    /// assert!(schema.file("grpc/health/v1/health.proto").is_some());
    /// assert_eq!(schema.services(), ["grpc.health.v1.Health"]);
    /// ```
    ///
    /// # Errors
    /// A file in no import path ([`ErrorKind::NotFound`], naming the paths searched), one that
    /// cannot be read ([`ErrorKind::Io`]), then as [`Schema::parse`].
    pub fn load(import_paths: &[PathBuf], files: &[impl AsRef<Path>]) -> Result<Self, SchemaError> {
        let mut names = Vec::new();
        for file in files {
            names.push(virtual_name(import_paths, file.as_ref())?);
        }
        let mut parsed: Vec<Parsed> = Vec::new();
        let mut seen: HashMap<String, usize> = HashMap::new();
        // `(name, who imports it and where)`, breadth first.
        let mut queue: Vec<(String, Option<(usize, usize)>)> =
            names.into_iter().map(|name| (name, None)).collect();
        let mut next = 0;
        while let Some((name, importer)) = queue.get(next).cloned() {
            next += 1;
            if seen.contains_key(&name) {
                continue;
            }
            let Some(source) = read(import_paths, &name)? else {
                let importer = importer.map(|(file, import)| (&parsed[file], import));
                return Err(not_found(import_paths, &name, importer));
            };
            let file = parser::parse_file(&name, &source)?;
            let index = parsed.len();
            for (import, dependency) in file.file.dependency.iter().enumerate() {
                queue.push((dependency.to_string(), Some((index, import))));
            }
            seen.insert(name, index);
            parsed.push(file);
        }
        Self::resolve_parsed(parsed)
    }
}

/// The name protoc gives `file`: relative to the import path containing it, or `file` itself
/// when an import path has it under that name.
fn virtual_name(import_paths: &[PathBuf], file: &Path) -> Result<String, SchemaError> {
    for root in import_paths {
        if let Some(relative) = relative_to(root, file) {
            return Ok(relative);
        }
    }
    if let Some(name) = slash_name(file)
        && import_paths.iter().any(|root| root.join(file).is_file())
    {
        return Ok(name);
    }
    Err(SchemaError::new(
        &file.display().to_string(),
        format!(
            "File not found, or not under any import path (searched: {}).",
            searched(import_paths)
        ),
    )
    .with_kind(ErrorKind::NotFound))
}

/// `file` relative to `root`, `/`-separated, lexically or once both are canonical.
fn relative_to(root: &Path, file: &Path) -> Option<String> {
    let strip = |root: &Path, file: &Path| {
        let relative = file.strip_prefix(root).ok()?;
        slash_name(relative)
    };
    let lexical = strip(
        root.strip_prefix(".").unwrap_or(root),
        file.strip_prefix(".").unwrap_or(file),
    );
    if lexical.is_some() && root != Path::new(".") && root != Path::new("") {
        return lexical;
    }
    let (root, file) = (root.canonicalize().ok()?, file.canonicalize().ok()?);
    strip(&root, &file)
}

/// A relative path as an import name (`a/b.proto`): plain components only, no `.` or `..`.
fn slash_name(path: &Path) -> Option<String> {
    let mut parts = Vec::new();
    for component in path.components() {
        match component {
            Component::Normal(part) => parts.push(part.to_str()?.to_owned()),
            Component::CurDir if parts.is_empty() => {}
            _ => return None,
        }
    }
    (!parts.is_empty()).then(|| parts.join("/"))
}

/// The source of the file called `name`: from the first import path that has it, else the
/// bundled well-known type of that name; `None` if neither.
fn read(import_paths: &[PathBuf], name: &str) -> Result<Option<String>, SchemaError> {
    let safe = slash_name(Path::new(name)).is_some_and(|n| n == name);
    if safe {
        for root in import_paths {
            let path = root.join(name);
            if path.is_file() {
                return std::fs::read_to_string(&path).map(Some).map_err(|e| {
                    SchemaError::new(name, format!("cannot read {}: {e}", path.display()))
                        .with_kind(ErrorKind::Io)
                });
            }
        }
    }
    Ok(WELL_KNOWN
        .iter()
        .find(|(known, _)| *known == name)
        .map(|(_, source)| (*source).to_owned()))
}

fn searched(import_paths: &[PathBuf]) -> String {
    let mut paths: Vec<String> = import_paths
        .iter()
        .map(|p| p.display().to_string())
        .collect();
    paths.push("the bundled well-known types".to_owned());
    paths.join(", ")
}

/// `name` is nowhere: an error at the import that asks for it, or about `name` itself.
fn not_found(
    import_paths: &[PathBuf],
    name: &str,
    importer: Option<(&Parsed, usize)>,
) -> SchemaError {
    let message = format!(
        "Import \"{name}\" was not found (searched: {}).",
        searched(import_paths)
    );
    let error = match importer {
        Some((file, index)) => {
            let file_name = file.file.name.as_deref().unwrap_or_default();
            match file.positions.get(&format!("#import {index}")) {
                Some(&pos) => SchemaError::at(file_name, pos, message),
                None => SchemaError::new(file_name, message),
            }
        }
        None => SchemaError::new(
            name,
            format!("File not found (searched: {}).", searched(import_paths)),
        ),
    };
    error.with_kind(ErrorKind::NotFound)
}

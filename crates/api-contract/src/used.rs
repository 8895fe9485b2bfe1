//! The operations, parameters and response fields the code uses (`used.toml`).

use serde::Deserialize;

use crate::error::{Result, invalid};

/// One operation the client calls.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct UsedOperation {
    /// The `operationId`.
    pub id: String,
    /// The client method that calls it, e.g. `Client::organizations`.
    pub call: String,
    /// The client model one response item is read into, e.g. `Organization`.
    pub model: String,
    /// Query parameters the client sets itself (pagination cursors come from `Link`).
    pub parameters: Vec<String>,
    /// Response fields the model reads that the specification documents for it.
    pub fields: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    operation: Vec<UsedOperation>,
}

/// The used operations, in file order.
#[derive(Debug, Clone)]
pub struct UsedApi {
    /// One entry per operation.
    pub operations: Vec<UsedOperation>,
}

impl UsedApi {
    /// The committed `fixtures/openapi/used.toml` (embedded at build time).
    ///
    /// # Panics
    /// Never for the committed file, which this crate's tests read.
    pub fn committed() -> UsedApi {
        UsedApi::parse(crate::USED_TOML, "fixtures/openapi/used.toml")
            .expect("the committed used-API list is valid")
    }

    /// Reads a used-API list; `source_name` names it in errors.
    ///
    /// # Errors
    /// Bad TOML, an unknown key, or an operation, parameter or field listed twice.
    pub fn parse(text: &str, source_name: &str) -> Result<UsedApi> {
        let file: File = toml::from_str(text).map_err(|e| invalid(source_name, e.to_string()))?;
        for (i, op) in file.operation.iter().enumerate() {
            if file.operation[..i].iter().any(|o| o.id == op.id) {
                return Err(invalid(source_name, format!("{} is listed twice", op.id)));
            }
            for list in [&op.parameters, &op.fields] {
                for (j, name) in list.iter().enumerate() {
                    if list[..j].contains(name) {
                        return Err(invalid(
                            source_name,
                            format!("{}: {name} is listed twice", op.id),
                        ));
                    }
                }
            }
        }
        Ok(UsedApi {
            operations: file.operation,
        })
    }

    /// The entry of one operation.
    pub fn operation(&self, id: &str) -> Option<&UsedOperation> {
        self.operations.iter().find(|o| o.id == id)
    }
}

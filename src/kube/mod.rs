//! The Kubernetes side: how a stream is split ([`stream`]), how each document is read as the
//! API server reads it ([`read`], one scalar in [`scalar`], on the libyaml binding [`libyaml`], or on
//! [`plain`]'s events for plain block YAML), where objects keep their
//! pod specs and who they are ([`objects`]), and what a release's Secrets and ConfigMaps
//! provide to the references that read them ([`sources`]), and a document the editing parser
//! cannot read written again as what Kubernetes reads of it ([`canonical`]).
//!
//! Facts about Kubernetes only: nothing here knows ClearML, the policy's settings or how a
//! finding is worded, and nothing here edits a document (the canonical form changes nothing
//! Kubernetes reads).

pub mod canonical;
pub mod env;
pub mod libyaml;
pub mod objects;
pub mod plain;
pub mod read;
pub mod scalar;
pub mod sources;
pub mod stream;
pub mod tree;
pub mod volumes;
pub mod workload;

//! Files: the SAML IdP metadata file must be mounted, and ClearML's config files must not set
//! SSO settings next to the policy's. Where a volume's files land is
//! [`crate::kube::volumes`]'s; which directories and files ClearML reads is
//! [`crate::clearml::files`]'s.

use super::context::{Context, Entry};
use super::values::{defined, env_from_variables};
use crate::clearml::files::{
    sets_sso, BUILT_IN_CONFIG_DIR, CONFIG_DIR_VARIABLES, EXTRA_CONFIG_DIRS,
};
use crate::clearml::{self, judge::Defined};
use crate::kube::objects;
use crate::kube::sources::{self};
use crate::kube::volumes::{self, Files};
use crate::paths::{clean_path, is_under};
use crate::pyhocon::Value as Hocon;
use crate::redact::shown;
use crate::report::{self, Finding, Sink};
use crate::yaml::Node;

/// The files a volume of the pod shows (see [`volumes::volume_files`]).
pub(super) fn volume_files(volume: &k8s_openapi::api::core::v1::Volume, ctx: &Context) -> Files {
    let namespace = ctx.location.object.namespace.as_deref();
    volumes::volume_files(volume, ctx.inventory, ctx.policy, namespace)
}

/// The container's volumeMounts and the pod's volumes, typed (the volumes as Kubernetes reads
/// them: aliases and merges resolved), for the rules that follow a file into a volume.
pub(super) fn mounts_and_volumes(
    container: &Node,
    ctx: &Context,
) -> (
    Vec<k8s_openapi::api::core::v1::VolumeMount>,
    Vec<k8s_openapi::api::core::v1::Volume>,
) {
    let mounts = objects::typed(container, "volumeMounts").unwrap_or_default();
    let volumes = ctx
        .volumes
        .iter()
        .filter_map(|v| serde_json::from_value(v.clone()).ok())
        .collect();
    (mounts, volumes)
}

/// Rule 7: a SAML `idp_metadata_file` must be a file the container really has: under a
/// volumeMount (or the file a `subPath` mount places), and, when the volume is a ConfigMap or
/// Secret the stream provides, one of the files it projects (`items[].path`, else its keys).
/// Otherwise the apiserver starts without its IdP metadata.
pub(super) fn metadata_mounts(
    entries: &[Entry],
    container: &Node,
    ctx: &Context,
    findings: &mut Sink,
) {
    let (mounts, volumes) = mounts_and_volumes(container, ctx);
    for e in entries {
        let Some(sso) = &e.sso else { continue };
        if !sso.option().is_some_and(|o| o.mounted_file) {
            continue;
        }
        let Some(Hocon::String(path)) = e.literal().and_then(clearml::values::read_one) else {
            continue;
        };
        let provider = sso.provider();
        let declared = provider.is_none_or(|(c, k)| ctx.declares(c, k));
        let shown_path = shown(&path, provider, sso.option_name(), declared).suffix();
        // The mount the path falls under, and the file name inside the volume.
        let hit = mounts
            .iter()
            .find_map(|m| Some((m, volumes::file_at(m, &path)?)));
        let problem = match hit {
            None => {
                let seen: Vec<&str> = mounts.iter().map(|m| m.mount_path.as_str()).collect();
                Some((
                    format!("idp_metadata_file{shown_path} is not inside any volumeMount of the container"),
                    if seen.is_empty() {
                        "mount the IdP metadata XML (e.g. apiserver.additionalConfigs, mounted at /opt/clearml/config by chart 7.0 and later, /opt/clearml/config/default before)".to_string()
                    } else {
                        format!("mounted paths: {}", seen.join(", "))
                    },
                ))
            }
            Some((mount, file)) => match volumes
                .iter()
                .find(|v| v.name == mount.name)
                .map_or(Files::Unknown, |v| volume_files(v, ctx))
            {
                Files::Known(source, files) if !files.iter().any(|f| clean_path(&f.path) == file) => Some((
                    format!(
                        "idp_metadata_file{shown_path} is under the mount {}, but {source} has no file `{file}`",
                        mount.mount_path
                    ),
                    format!(
                        "it has: {}",
                        if files.is_empty() {
                            "nothing".into()
                        } else {
                            files.iter().map(|f| f.path.as_str()).collect::<Vec<_>>().join(", ")
                        }
                    ),
                )),
                Files::Missing(source) => Some((
                    format!(
                        "idp_metadata_file{shown_path} is under the mount {}, from {source}, which is not in the rendered manifests",
                        mount.mount_path
                    ),
                    "create it in the release, or list it under [secrets] external if it is created outside the release".to_string(),
                )),
                _ => None,
            },
        };
        if let Some((message, help)) = problem {
            findings.push(
                Finding::new(report::METADATA_NOT_MOUNTED, message)
                    .help(help)
                    .at(ctx.at(&e.name)),
            );
        }
    }
}

/// ClearML's config directories for a container; `None` when the variable that chooses them
/// has a value the tool cannot know (a Secret outside the stream, `$VAR`, a relative path, an
/// `envFrom` source it cannot see): then every directory may be one.
pub(super) fn config_dirs(
    entries: &[Entry],
    container: &Node,
    ctx: &Context,
) -> Option<Vec<String>> {
    let from = env_from_variables(container, ctx);
    let env_from: Vec<k8s_openapi::api::core::v1::EnvFromSource> =
        objects::typed(container, "envFrom").unwrap_or_default();
    let namespace = ctx.location.object.namespace.as_deref();
    let unseen = sources::env_from_unseen(&env_from, ctx.inventory, namespace);
    for name in CONFIG_DIR_VARIABLES {
        // Kubernetes: the last env entry of a name wins, and any env entry over envFrom.
        let value = match entries.iter().rev().find(|e| e.name == name) {
            Some(e) => defined(e, ctx).1,
            None => match from.iter().rev().find(|(n, _)| n == name) {
                Some((_, d)) => d.clone(),
                // A source the tool cannot see may define it.
                None if unseen => return None,
                None => continue,
            },
        };
        match value {
            Defined::Unset => continue,
            Defined::Text(t) if t.is_empty() => continue,
            Defined::Text(t) => {
                let dirs: Vec<&str> = t.split(':').collect();
                if dirs.iter().any(|d| !d.starts_with('/') || d.contains('$')) {
                    return None;
                }
                let mut dirs: Vec<String> = dirs.into_iter().map(clean_path).collect();
                dirs.push(BUILT_IN_CONFIG_DIR.to_string());
                return Some(dirs);
            }
            Defined::Unknown => return None,
        }
    }
    let mut dirs = vec![BUILT_IN_CONFIG_DIR.to_string()];
    dirs.extend(EXTRA_CONFIG_DIRS.iter().map(|d| d.to_string()));
    Some(dirs)
}

/// Rule 7: ClearML's own config files. ClearML merges every `*.conf` below its config
/// directories before the env variables, which win only for the keys they set: a file can add
/// a provider or an option the policy does not have. A file the stream shows that may set SSO
/// settings is an error; so is a volume there whose files the tool cannot see, unless the
/// policy's `[config_files] trust_unseen` lists its mount path (an external ConfigMap for
/// `apiserver.additionalConfigs` is a legitimate install, but only its author can vouch for it).
pub(super) fn config_files(
    entries: &[Entry],
    container: &Node,
    ctx: &Context,
    findings: &mut Sink,
) {
    let (mounts, volumes) = mounts_and_volumes(container, ctx);
    let dirs = config_dirs(entries, container, ctx);
    let dirs_text = match &dirs {
        // A clean path has no trailing `/`, so the root is the empty path: shown as `/`.
        Some(d) => d
            .iter()
            .map(|p| if p.is_empty() { "/" } else { p.as_str() })
            .collect::<Vec<_>>()
            .join(", "),
        None => format!(
            "any directory: {} has a value the tool cannot read, or may come from an envFrom source it cannot see",
            CONFIG_DIR_VARIABLES.join(" or ")
        ),
    };
    let namespace = ctx.location.object.namespace.as_deref();
    // Exit 0 must mean ClearML reads the policy: files the tool cannot see refuse the render,
    // unless the policy vouches for the mount path, which is then still reported.
    let unseen = |mount: &k8s_openapi::api::core::v1::VolumeMount, what: String| {
        let message = format!(
            "the volumeMount {} ({what}) is at ClearML's config directory ({dirs_text}); the tool cannot see its `*.conf` files, which could set SSO settings",
            mount.mount_path
        );
        if ctx.policy.config_files.trusts(&mount.mount_path) {
            Finding::new(
                report::UNSEEN_CONFIG_FILE_TRUSTED,
                format!("{message}; the policy's [config_files] trust_unseen vouches that none does"),
            )
            .help("exit 0 rests on the policy's promise that no `.conf` file there sets `login.sso` (secure.conf) or `sso` (services/login.conf); with [enforce] warnings = \"deny\" this refuses the render")
            .at(ctx.location.clone())
        } else {
            Finding::new(report::UNSEEN_CONFIG_FILE, message)
                .help(format!(
                    "put the files in the release (a ConfigMap or Secret in the rendered manifests), or mount nothing there; if you know no `.conf` file there sets `login.sso` (secure.conf) or `sso` (services/login.conf), vouch for it in the policy: [config_files] trust_unseen = [\"{}\"]",
                    clean_path(&mount.mount_path)
                ))
                .at(ctx.location.clone())
        }
    };
    for m in &mounts {
        let mount = &clean_path(&m.mount_path);
        // The config directory the mount reaches, and the mount's place relative to it.
        let reaches = match &dirs {
            None => true,
            Some(d) => d.iter().any(|d| is_under(mount, d) || is_under(d, mount)),
        };
        let (_, sub) = volumes::mount_parts(m);
        let not_conf = |p: &str| {
            !p.rsplit('/')
                .next()
                .unwrap_or_default()
                .to_ascii_lowercase()
                .ends_with(".conf")
        };
        if !reaches {
            continue;
        }
        let volume = volumes.iter().find(|v| v.name == m.name);
        let files = volume.map_or(Files::Unknown, |v| volume_files(v, ctx));
        // A subPath mount is one file or a directory of the volume. When the volume's files are
        // known, each is judged where it appears; when not, one whose name is not `*.conf`
        // below the config directory is taken for a file ClearML does not read, such as the
        // SAML metadata.
        let one_other_file = sub.is_some()
            && not_conf(mount)
            && dirs
                .as_ref()
                .is_some_and(|d| d.iter().any(|d| is_under(mount, d) && mount != d));
        if one_other_file && !matches!(files, Files::Known(..)) {
            continue;
        }
        let opaque_part = volume.and_then(|v| v.projected.as_ref()).is_some_and(|p| {
            p.sources
                .iter()
                .flatten()
                .any(|s| s.config_map.is_none() && s.secret.is_none())
        });
        if m.sub_path_expr.as_deref().is_some_and(|s| !s.is_empty()) {
            findings.push(unseen(m, format!("volume `{}` with subPathExpr", m.name)));
            continue;
        }
        if opaque_part && !one_other_file {
            // downwardAPI, serviceAccountToken…: files whose text the stream does not hold.
            findings.push(unseen(m, format!("volume `{}`, in part", m.name)));
        }
        let files = match files {
            Files::Known(_, files) => files,
            Files::Missing(source) => {
                findings.push(unseen(
                    m,
                    format!("{source}, not in the rendered manifests"),
                ));
                continue;
            }
            Files::Unknown => {
                let what = match volume {
                    Some(_) => format!("volume `{}`", m.name),
                    None => format!("volume `{}`, which the pod does not define", m.name),
                };
                findings.push(unseen(m, what));
                continue;
            }
        };
        for f in &files {
            // Where the file appears in the container.
            let Some(at) = volumes::landing(m, &f.path) else {
                continue;
            };
            if not_conf(&at) {
                continue;
            }
            // Its paths below the config directories it is in: ClearML reads it once per
            // directory, under each path (every tail of its path when any directory may be one).
            let relatives: Vec<String> = match &dirs {
                None => {
                    let parts: Vec<&str> = at.split('/').filter(|p| !p.is_empty()).collect();
                    (0..parts.len()).map(|i| parts[i..].join("/")).collect()
                }
                Some(d) => d
                    .iter()
                    .filter_map(|d| {
                        at.strip_prefix(d)
                            .and_then(|r| r.strip_prefix('/'))
                            .map(str::to_string)
                    })
                    .collect(),
            };
            if relatives.is_empty() {
                continue;
            }
            let source = format!("{} `{}` key `{}`", f.kind.as_str(), f.name, f.key);
            let stored = sources::file_text(ctx.inventory, f.kind, &f.name, &f.key, namespace);
            match stored {
                Some(text) => {
                    let found = relatives
                        .iter()
                        .find_map(|r| sets_sso(r, text.text_for_judging()).map(|why| (r, why)));
                    if let Some((relative, why)) = found {
                        findings.push(
                            Finding::new(
                                report::SSO_IN_CONFIG_FILE,
                                format!(
                                    "{source}, mounted at {at}, {}, and {why}: SSO settings there reach ClearML next to the policy's, unchecked",
                                    match &dirs {
                                        Some(_) => format!("is a config file ClearML reads (`{relative}`)"),
                                        None => format!("may be a config file ClearML reads (its config directory may be {dirs_text})"),
                                    }
                                ),
                            )
                            .help("move these settings into the policy (or drop them): ClearML merges every `*.conf` of its config directory, and the env variables the policy writes win only for the keys they set")
                            .at(ctx.location.clone()),
                        );
                    }
                }
                None => findings.push(unseen(
                    m,
                    format!("{source}, whose text the stream does not show"),
                )),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A SAML policy whose metadata file is `metadata` (a path) and the apiserver mounting
    /// the ConfigMap that holds `metadata.xml` with `mount`.
    fn metadata_findings(metadata: &str, mount: &str) -> Vec<Finding> {
        let policy = crate::policy::parse(
            &format!("version = 1\n[providers.microsoft_ad]\nentity_id = \"clearml\"\nidp_metadata_file = \"{metadata}\"\nclaims.email = \"emailAddress\"\n"),
            "p.toml",
        )
        .unwrap();
        let stream = format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\ndata:\n  metadata.xml: <EntityDescriptor/>\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: clearml-apiserver\nspec:\n  template:\n    spec:\n      volumes:\n      - name: config\n        configMap:\n          name: cm\n      containers:\n      - name: clearml-apiserver\n        volumeMounts:\n        - name: config\n{mount}");
        crate::render(stream.as_bytes(), &policy).unwrap().findings
    }

    #[test]
    fn a_metadata_file_under_an_unclean_mount_path_or_data_subpath_is_found() {
        let file = "/opt/clearml/config/default/metadata.xml";
        for (metadata, mount) in [
            (file, "          mountPath: /opt/clearml//config/default\n"),
            (file, "          mountPath: /opt/clearml/./config/default/\n"),
            (file, "          mountPath: /opt/clearml/config/default/metadata.xml\n          subPath: ..data/metadata.xml\n"),
            ("/opt/clearml/config//default/metadata.xml", "          mountPath: /opt/clearml/config/default\n"),
            ("/opt/clearml/config/./default/metadata.xml", "          mountPath: /opt/clearml/config/default\n"),
        ] {
            let findings = metadata_findings(metadata, mount);
            assert!(
                !findings.iter().any(|f| f.code == report::METADATA_NOT_MOUNTED),
                "{metadata} under {mount}: {findings:?}"
            );
        }
        // Still refused: another file, another directory.
        for (metadata, mount) in [
            ("/opt/clearml/config/default/other.xml", "          mountPath: /opt/clearml//config/default\n"),
            (file, "          mountPath: /opt/clearml/config/default/metadata.xml\n          subPath: ..data/other.xml\n"),
            (file, "          mountPath: /opt/clearml/config/defaults\n"),
        ] {
            let findings = metadata_findings(metadata, mount);
            assert!(
                findings.iter().any(|f| f.code == report::METADATA_NOT_MOUNTED),
                "{metadata} under {mount}: {findings:?}"
            );
        }
    }
}

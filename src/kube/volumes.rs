//! Where a volume's files land in a container: the pod's volumes and the container's
//! volumeMounts, as the kubelet and the container runtime place them.
//!
//! One answer for every rule that follows a file into a volume (the SAML metadata file, the
//! config files ClearML reads): [`file_at`] (which file of the volume a container path is) and
//! [`landing`] (where a file of the volume appears), both on cleaned paths (`crate::paths`), a
//! `subPath` through `..data/` included. What the files are comes from [`volume_files`].
//! Nothing here knows ClearML or words a finding.

use crate::kube::sources::{Inventory, RefKind};
use crate::policy::Policy;
use k8s_openapi::api::core::v1::{KeyToPath, Volume, VolumeMount};

use crate::paths::clean_path;

/// A mount's place in the container and the part of the volume it shows (`None`: all of it),
/// both cleaned. A ConfigMap, Secret or projected volume also shows its files under `..data/`
/// (and a `..<timestamp>/` directory): Kubernetes keeps keys and item paths from starting with
/// `..`, so a subPath that does is one of those, and the rest of it is the file's path.
pub fn mount_parts(mount: &VolumeMount) -> (String, Option<String>) {
    let sub = mount
        .sub_path
        .as_deref()
        .map(clean_path)
        .map(|s| match s.split_once('/') {
            Some((first, rest)) if first.starts_with("..") => rest.to_string(),
            None if s.starts_with("..") => String::new(),
            _ => s,
        })
        .filter(|s| !s.is_empty());
    (clean_path(&mount.mount_path), sub)
}

/// The file of the mount's volume that the container path `path` is, when the mount shows it
/// (the path inside the volume, cleaned).
pub fn file_at(mount: &VolumeMount, path: &str) -> Option<String> {
    let (at, sub) = mount_parts(mount);
    let path = clean_path(path);
    let rest = if path == at {
        None
    } else {
        Some(path.strip_prefix(&at)?.strip_prefix('/')?)
    };
    match (sub, rest) {
        (Some(sub), None) => Some(sub),
        (Some(sub), Some(rest)) => Some(format!("{sub}/{rest}")),
        (None, Some(rest)) => Some(rest.to_string()),
        (None, None) => None,
    }
}

/// Where the file `file` of the mount's volume appears in the container, when the mount
/// shows it (a subPath mount shows one file or directory of the volume).
pub fn landing(mount: &VolumeMount, file: &str) -> Option<String> {
    let (at, sub) = mount_parts(mount);
    let file = clean_path(file);
    match sub {
        None => Some(format!("{at}/{file}")),
        Some(s) if file == s => Some(at),
        Some(s) => {
            let rest = file.strip_prefix(s.as_str())?.strip_prefix('/')?;
            Some(format!("{at}/{rest}"))
        }
    }
}

/// What a volume shows as files, as far as the stream tells.
pub enum Files {
    /// The files, and the source they come from (for messages).
    Known(String, Vec<VolumeFile>),
    /// A ConfigMap or Secret that neither the stream nor `[secrets] external` provides.
    Missing(String),
    /// Cannot be known here: another volume type (emptyDir, a claim…), a source from outside
    /// the release, an ExternalSecret with `dataFrom`.
    Unknown,
}

/// One file a volume shows: its path inside the volume and the key of the object it holds.
pub struct VolumeFile {
    /// Its path inside the volume, as written (`items[].path`, else the key).
    pub path: String,
    /// A Secret's or a ConfigMap's.
    pub kind: RefKind,
    /// The object's name.
    pub name: String,
    /// The key it holds.
    pub key: String,
}

/// The files a ConfigMap, Secret or projected volume shows: each source's `items[].path`, else
/// the keys of the object the stream provides (in the workload's `namespace`).
pub fn volume_files(
    volume: &Volume,
    inventory: &Inventory,
    policy: &Policy,
    namespace: Option<&str>,
) -> Files {
    let mut sources: Vec<(RefKind, String, Option<&Vec<KeyToPath>>)> = Vec::new();
    if let Some(c) = &volume.config_map {
        sources.push((RefKind::ConfigMap, c.name.clone(), c.items.as_ref()));
    }
    if let Some(s) = &volume.secret {
        sources.push((
            RefKind::Secret,
            s.secret_name.clone().unwrap_or_default(),
            s.items.as_ref(),
        ));
    }
    for p in volume
        .projected
        .iter()
        .flat_map(|p| p.sources.iter().flatten())
    {
        if let Some(c) = &p.config_map {
            sources.push((RefKind::ConfigMap, c.name.clone(), c.items.as_ref()));
        }
        if let Some(s) = &p.secret {
            sources.push((RefKind::Secret, s.name.clone(), s.items.as_ref()));
        }
    }
    if sources.is_empty() {
        return Files::Unknown;
    }
    let mut files = Vec::new();
    let mut described = Vec::new();
    for (kind, name, items) in sources {
        let source = format!("{} `{name}`", kind.as_str());
        let file = |path: &str, key: &str| VolumeFile {
            path: path.to_string(),
            kind,
            name: name.clone(),
            key: key.to_string(),
        };
        if let Some(items) = items.filter(|i| !i.is_empty()) {
            files.extend(items.iter().map(|i| file(&i.path, &i.key)));
            described.push(source);
            continue;
        }
        let provided = inventory
            .present(kind == RefKind::Secret, &name, namespace)
            .next();
        let external = policy.secrets.external.iter().any(|e| e.name == name);
        match provided {
            Some(p) if !p.any_key => files.extend(p.keys.iter().map(|(k, _)| file(k, k))),
            None if !external => return Files::Missing(source),
            _ => return Files::Unknown,
        }
        described.push(source);
    }
    Files::Known(described.join(" and "), files)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mount(path: &str, sub: Option<&str>) -> VolumeMount {
        VolumeMount {
            name: "v".into(),
            mount_path: path.into(),
            sub_path: sub.map(str::to_string),
            ..Default::default()
        }
    }

    #[test]
    fn paths_are_cleaned_and_data_subpaths_are_the_file() {
        assert_eq!(clean_path("/opt/clearml//./config/"), "/opt/clearml/config");
        assert_eq!(clean_path("/a/../b"), "/b");
        assert_eq!(clean_path("/"), "");
        let dir = mount("/opt/clearml//config/default/", None);
        assert_eq!(
            file_at(&dir, "/opt/clearml/config/./default/metadata.xml").as_deref(),
            Some("metadata.xml")
        );
        assert_eq!(file_at(&dir, "/opt/clearml/config/defaults/m.xml"), None);
        assert_eq!(file_at(&dir, "/opt/clearml/config/default"), None);
        let one = mount("/x/metadata.xml", Some("..data/metadata.xml"));
        assert_eq!(
            file_at(&one, "/x//metadata.xml").as_deref(),
            Some("metadata.xml")
        );
        assert_eq!(
            landing(&one, "metadata.xml").as_deref(),
            Some("/x/metadata.xml")
        );
        assert_eq!(landing(&one, "other.xml"), None);
        let sub_dir = mount("/etc/conf", Some("services"));
        assert_eq!(
            landing(&sub_dir, "services/login.conf").as_deref(),
            Some("/etc/conf/login.conf")
        );
        assert_eq!(
            file_at(&sub_dir, "/etc/conf/login.conf").as_deref(),
            Some("services/login.conf")
        );
        assert_eq!(
            landing(&dir, "./a.conf").as_deref(),
            Some("/opt/clearml/config/default/a.conf")
        );
    }
}

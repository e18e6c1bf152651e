//! Who a dev container runs as: the container user (its first process and
//! the features' entrypoints) and the remote user (lifecycle commands, the
//! editor's server, the agent). From `containerUser` / `remoteUser`, the
//! Dockerfile the config builds, and the profile's `[images]` facts.

use harden_jsonc::JsoncDoc;

use crate::dockerfile::is_root_user;
use crate::DevcontainerCx;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Who {
    Root,
    User(String),
    /// Not known, and why.
    Unknown(String),
}

impl Who {
    fn named(user: &str) -> Who {
        let user = user.trim();
        if user.contains('$') {
            return Who::Unknown(format!(
                "`{user}` is only known when the container is created"
            ));
        }
        if is_root_user(user) {
            Who::Root
        } else {
            Who::User(user.split(':').next().unwrap_or(user).to_string())
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Users {
    pub container: Who,
    pub remote: Who,
}

fn member<'a>(doc: &'a JsoncDoc, key: &str) -> Option<&'a str> {
    doc.root().get(key).and_then(|m| m.value.as_str())
}

/// The image's USER and the remoteUser its metadata label sets.
fn image_users(cx: &DevcontainerCx<'_>) -> (Who, Option<String>) {
    let facts = &cx.profile.images;
    let known = |image: &str| {
        facts
            .lookup(image)
            .map(|k| (Who::named(&k.user), k.remote_user.clone()))
    };
    if let Some(built) = cx.built {
        let base = built.base.as_deref();
        let label = base.and_then(known).and_then(|(_, remote)| remote);
        return match (&built.user, base) {
            (Some(user), _) => (Who::named(user), label),
            (None, Some(base)) => known(base).unwrap_or_else(|| {
                (
                    Who::Unknown(format!(
                        "the Dockerfile sets no USER and its base image `{base}` is not in the profile's `[images]`"
                    )),
                    None,
                )
            }),
            (None, None) => (Who::Unknown("the Dockerfile has no FROM".into()), None),
        };
    }
    match member(cx.doc, "image") {
        Some(image) => known(image).unwrap_or_else(|| {
            (
                Who::Unknown(format!(
                    "the image `{image}` is not in the profile's `[images]`"
                )),
                None,
            )
        }),
        None => (
            Who::Unknown("the Dockerfile this config builds was not read".into()),
            None,
        ),
    }
}

/// A non-root user the image is known to have: the Dockerfile's final
/// USER, else the remoteUser of the image's metadata label, else the
/// profile's `non_root_user` for the image (or the Dockerfile's base).
pub fn known_non_root_user(cx: &DevcontainerCx<'_>) -> Option<String> {
    let non_root = |who: Who| match who {
        Who::User(name) => Some(name),
        _ => None,
    };
    if let Some(user) = cx.built.and_then(|b| b.user.as_deref()) {
        if let Some(name) = non_root(Who::named(user)) {
            return Some(name);
        }
    }
    let image = match cx.built {
        Some(built) => built.base.as_deref(),
        None => member(cx.doc, "image"),
    }?;
    let known = cx.profile.images.lookup(image)?;
    [&known.remote_user, &known.non_root_user]
        .into_iter()
        .flatten()
        .find_map(|u| non_root(Who::named(u)))
}

pub fn users(cx: &DevcontainerCx<'_>) -> Users {
    let (image_user, label_remote) = image_users(cx);
    let container = member(cx.doc, "containerUser").map_or(image_user, Who::named);
    let remote = match member(cx.doc, "remoteUser") {
        Some(user) => Who::named(user),
        None => match label_remote {
            Some(user) => Who::named(&user),
            None => container.clone(),
        },
    };
    Users { container, remote }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::BuiltImage;
    use harden_core::Document;

    fn users_of(json: &str, built: Option<BuiltImage>) -> Users {
        let doc = JsoncDoc::parse(json).unwrap();
        let profile = harden_profile::Profile::builtin();
        let inputs = harden_core::FixInputs::default();
        let cx = DevcontainerCx {
            doc: &doc,
            profile: &profile,
            inputs: &inputs,
            path: ".devcontainer/devcontainer.json",
            compose: None,
            built: built.as_ref(),
        };
        users(&cx)
    }

    fn user(name: &str) -> Who {
        Who::User(name.into())
    }

    #[test]
    fn known_images_and_their_labels() {
        let u = users_of(
            r#"{"image": "mcr.microsoft.com/devcontainers/python:3.12"}"#,
            None,
        );
        assert_eq!(
            u,
            Users {
                container: Who::Root,
                remote: user("vscode")
            }
        );
        let u = users_of(r#"{"image": "docker.io/library/node:20-bookworm"}"#, None);
        assert_eq!(
            u,
            Users {
                container: Who::Root,
                remote: Who::Root
            }
        );
        let u = users_of(r#"{"image": "node:20", "remoteUser": "node"}"#, None);
        assert_eq!(
            u,
            Users {
                container: Who::Root,
                remote: user("node")
            }
        );
    }

    #[test]
    fn unknown_images_are_unknown() {
        let u = users_of(r#"{"image": "ghcr.io/acme/dev:1"}"#, None);
        assert!(matches!(u.remote, Who::Unknown(ref why) if why.contains("ghcr.io/acme/dev:1")));
        let u = users_of(
            r#"{"image": "ghcr.io/acme/dev", "remoteUser": "dev"}"#,
            None,
        );
        assert_eq!(u.remote, user("dev"));
        assert!(matches!(u.container, Who::Unknown(_)));
        let u = users_of(r#"{"image": "x", "remoteUser": "${localEnv:USER}"}"#, None);
        assert!(matches!(u.remote, Who::Unknown(_)));
    }

    #[test]
    fn the_dockerfile_user_wins_over_its_base() {
        let built = |user: Option<&str>, base: &str| BuiltImage {
            user: user.map(str::to_string),
            base: Some(base.into()),
        };
        let u = users_of(
            r#"{"build": {"dockerfile": "Dockerfile"}}"#,
            Some(built(Some("node"), "node:20")),
        );
        assert_eq!(
            u,
            Users {
                container: user("node"),
                remote: user("node")
            }
        );
        let u = users_of(
            r#"{"build": {"dockerfile": "Dockerfile"}}"#,
            Some(built(
                None,
                "mcr.microsoft.com/devcontainers/javascript-node:22",
            )),
        );
        assert_eq!(
            u,
            Users {
                container: Who::Root,
                remote: user("node")
            }
        );
        let u = users_of(
            r#"{"build": {"dockerfile": "Dockerfile"}, "containerUser": "root"}"#,
            Some(built(Some("1000:1000"), "debian")),
        );
        assert_eq!(
            u,
            Users {
                container: Who::Root,
                remote: Who::Root
            }
        );
        let u = users_of(r#"{"build": {"dockerfile": "Dockerfile"}}"#, None);
        assert!(matches!(u.remote, Who::Unknown(_)));
    }
}

use harden_core::{
    Applicability, Change, Document, Edit, FileKind, Finding, Fix, NewFile, RuleMeta, Severity,
    Tier,
};
use harden_yaml::{NodeId, YamlDoc};
use serde_json::{json, Map, Value};

use super::{
    agent_services, from_project, is_internal_network, join_inserts, key_range, network_names,
    rebase_inserts, remove_key_fix, selected, ComposeCx, ProjectFile, Service, MOUNT_DIR,
};
use crate::{egress, Check, RuleDef};

pub static META: RuleMeta = RuleMeta {
    code: "CP013",
    name: "egress-unrestricted",
    kind: FileKind::Compose,
    tier: Tier::T4,
    severity: Severity::Warning,
    fix: "fix: unsafe · creates files",
    summary: "An agent service can open connections to any host on the internet",
    breakage: "- Installs and downloads from hosts that are not on the allowlist: extension marketplaces, other registries, `curl` to documentation sites. Add them to `[egress] allow` or the allowlist file.\n- Services the agent talks to over the network (a database, an MCP server) are reachable only when listed with their port.\n- With the resolver `127.0.0.11` (Docker's embedded DNS), most DNS queries match the loopback rule, because Docker's nat table redirects port 53 on that address to a local port first; queries to a resolver that is neither in `[egress] dns_servers` nor in the container's `/etc/resolv.conf` are rejected.\n- The agent's ports are published by its sidecar; `docker compose port A` now answers for `A-egress`.\n- The agent starts when its sidecar has started, which can be a moment before the rules are in place. To wait for them, add `depends_on: {A-egress: {condition: service_healthy}}` to the agent.\n- When several files of one compose project define the agent (a base file and its override, or a `dockerComposeFile` list), the sidecar goes into the file that defines it first; while another file of the project sets a key that would move to the sidecar (`networks`, `ports` ...), there is no automatic fix, and the note names the file and the keys to move.",
    doc: include_str!("../../../../docs/rules/CP013.md"),
};

pub static RULE: RuleDef = RuleDef {
    meta: &META,
    check: Check::Compose(check),
};

/// Keys that belong to a network namespace: Docker refuses them on a
/// service that shares another's (`network_mode: service:x`), so they move
/// to the sidecar.
const MOVED_KEYS: &[&str] = &[
    "networks",
    "ports",
    "expose",
    "dns",
    "dns_search",
    "dns_opt",
    "extra_hosts",
    "hostname",
    "domainname",
    "mac_address",
];

/// Whether the service's egress is already closed: it shares another
/// network namespace or has none (`network_mode`), or every network it is
/// on is `internal: true`.
fn egress_closed(doc: &YamlDoc, svc: &Service) -> bool {
    if doc.lookup(svc.map, "network_mode").is_some() {
        return true;
    }
    let names = network_names(doc, svc);
    !names.is_empty() && names.iter().all(|n| is_internal_network(doc, n))
}

/// The mappings that write `key` for a service: its own and the anchors it
/// merges directly. `Err` when the key comes from deeper or is `!reset`.
fn writers(doc: &YamlDoc, svc: &Service, key: &str) -> Result<Vec<NodeId>, String> {
    let mut out = Vec::new();
    if let Some(e) = doc.get(svc.map, key) {
        if doc.is_reset(e.value) {
            return Err(format!("`{key}` is reset with `!reset`"));
        }
        out.push(svc.map);
    }
    for source in doc.merge_sources(svc.map) {
        if doc.get(source, key).is_some() {
            out.push(source);
        } else if doc.lookup(source, key).is_some() {
            return Err(format!(
                "`{key}` comes from an anchor merged into an anchor"
            ));
        }
    }
    Ok(out)
}

/// Why `svc` cannot be moved behind a sidecar, given the services that are.
fn blocker(doc: &YamlDoc, svc: &Service, moving: &[Service]) -> Option<String> {
    if doc.lookup(svc.map, "links").is_some() {
        return Some(
            "it uses `links`, which Docker refuses with a shared network namespace".into(),
        );
    }
    for key in MOVED_KEYS {
        let maps = match writers(doc, svc, key) {
            Ok(m) => m,
            Err(e) => return Some(e),
        };
        for map in maps.into_iter().filter(|m| *m != svc.map) {
            let outside = doc
                .merged_into(map)
                .into_iter()
                .any(|user| !moving.iter().any(|s| s.map == user));
            let in_service = doc.paths_of(map).iter().any(|p| {
                p.to_string().starts_with("/services/") && !moving.iter().any(|s| s.path() == *p)
            });
            if outside || in_service {
                return Some(format!(
                    "`{key}` comes from an anchor that services staying on their own network also use"
                ));
            }
        }
    }
    None
}

fn check(cx: &ComposeCx<'_>) -> Vec<Finding> {
    let doc = cx.doc;
    let params = &cx.profile.egress;
    let open: Vec<Service> = agent_services(cx)
        .into_iter()
        .filter(|s| !egress_closed(doc, s))
        .collect();
    if open.is_empty() {
        return Vec::new();
    }
    let mut blocked: Vec<(Service, String)> = Vec::new();
    // In a project of several files, the first file that defines an agent
    // gets its sidecar; the others must not set what moves to it.
    let moved_in = |file: &ProjectFile, name: &str| -> Vec<String> {
        file.keys_of(name)
            .unwrap_or_default()
            .iter()
            .filter(|k| MOVED_KEYS.contains(&k.as_str()))
            .map(|k| format!("`{k}`"))
            .collect()
    };
    let mut open_here = Vec::new();
    for svc in open {
        let first = cx.usage.owner_of(&svc.name);
        let here: Vec<String> = MOVED_KEYS
            .iter()
            .filter(|k| doc.lookup(svc.map, k).is_some())
            .map(|k| format!("`{k}`"))
            .collect();
        if let Some(first) = first {
            if !here.is_empty() {
                let why = format!(
                    "`{}` defines `{}` first and gets its sidecar; move {} of `{}` there",
                    first.name,
                    svc.name,
                    here.join(", "),
                    svc.name
                );
                blocked.push((svc, why));
            }
            continue;
        }
        let later = cx
            .usage
            .later
            .iter()
            .map(|f| (f, moved_in(f, &svc.name)))
            .find(|(_, keys)| !keys.is_empty());
        match later {
            Some((file, keys)) => {
                let why = format!(
                    "`{}` also sets {} of `{}`, which cannot be combined with the sidecar's `network_mode`; move them into this file first",
                    file.name,
                    keys.join(", "),
                    svc.name
                );
                blocked.push((svc, why));
            }
            None => open_here.push(svc),
        }
    }
    let mut moving = open_here;
    // Dropping one service can block another that shares its anchor.
    loop {
        let found = moving
            .iter()
            .enumerate()
            .find_map(|(i, s)| blocker(doc, s, &moving).map(|why| (i, why)));
        match found {
            Some((i, why)) => blocked.push((moving.remove(i), why)),
            None => break,
        }
    }
    let message = |names: &[&Service]| {
        let list: Vec<String> = names.iter().map(|s| format!("`{}`", s.name)).collect();
        format!(
            "{} {} can reach any host: no egress firewall",
            if list.len() == 1 {
                "agent service"
            } else {
                "agent services"
            },
            list.join(", ")
        )
    };
    let mut out: Vec<Finding> = blocked
        .iter()
        .map(|(svc, why)| {
            Finding::new(
                &META,
                key_range(doc, svc),
                svc.target("network_mode"),
                message(&[svc]),
            )
            .with_note(format!("no automatic fix: {why}"))
        })
        .collect();
    if moving.is_empty() {
        return out;
    }
    let first = &moving[0];
    let f = Finding::new(
        &META,
        key_range(doc, first),
        first.target("network_mode"),
        message(&moving.iter().collect::<Vec<_>>()),
    )
    .with_note(format!(
        "each agent shares the network of its own `-egress` sidecar, the only service holding NET_ADMIN; \
         the sidecar lets out DNS to {} and its resolv.conf's resolvers, and tcp to the names in {}",
        params.dns_servers.join(", "),
        params.allowlist_file
    ));
    out.push(match sidecar_fix(cx, &moving) {
        Ok(fix) => f.with_fix(fix),
        Err(e) => f.with_note(format!("no automatic fix: {e}")),
    });
    out
}

fn sidecar_name(svc: &Service) -> String {
    format!("{}-egress", svc.name)
}

/// The fix: one sidecar per agent, the agents on its network namespace,
/// their network keys moved to it, and the generated files.
fn sidecar_fix(cx: &ComposeCx<'_>, moving: &[Service]) -> Result<Fix, String> {
    let doc = cx.doc;
    let params = &cx.profile.egress;
    let services_map = doc
        .path(&["services"])
        .filter(|m| doc.is_mapping(*m))
        .ok_or("`services` is not a mapping")?;
    let taken = |name: &str| doc.get(services_map, name).is_some();
    let context = from_project(cx, "")?;
    let script = from_project(cx, &params.script_file)?;
    let allowlist_path = from_project(cx, &params.allowlist_file)?;
    let mut edits: Vec<Edit> = Vec::new();
    let mut changes: Vec<Change> = Vec::new();
    let mut removed: Vec<(NodeId, &str)> = Vec::new();
    let mut sidecars: Vec<(String, Value)> = Vec::new();
    for svc in moving {
        let name = sidecar_name(svc);
        if taken(&name) {
            return Err(format!("a service named `{name}` exists already"));
        }
        let mut sidecar = Map::new();
        sidecar.insert(
            "build".into(),
            json!({"context": context, "dockerfile": params.sidecar_dockerfile}),
        );
        sidecar.insert(
            "command".into(),
            json!([
                "sh",
                format!("{MOUNT_DIR}/{}", params.script_file),
                format!("{MOUNT_DIR}/{}", params.allowlist_file),
                "--loop"
            ]),
        );
        sidecar.insert(
            "volumes".into(),
            json!([
                format!("{script}:{MOUNT_DIR}/{}:ro", params.script_file),
                format!("{allowlist_path}:{MOUNT_DIR}/{}:ro", params.allowlist_file),
            ]),
        );
        sidecar.insert("cap_drop".into(), json!(["ALL"]));
        sidecar.insert("cap_add".into(), json!(["NET_ADMIN"]));
        sidecar.insert("security_opt".into(), json!(["no-new-privileges:true"]));
        sidecar.insert(
            "healthcheck".into(),
            json!({
                "test": ["CMD", "iptables", "-C", "OUTPUT", "-j", egress::CHAIN],
                "interval": "30s",
                "start_period": "10s",
            }),
        );
        sidecar.insert("restart".into(), json!("unless-stopped"));
        for key in MOVED_KEYS {
            if let Some(found) = doc.lookup(svc.map, key) {
                sidecar.insert((*key).into(), doc.node_value(found.entry.value));
            }
            for map in writers(doc, svc, key)? {
                if !removed.contains(&(map, *key)) {
                    removed.push((map, key));
                }
            }
        }
        let mode = Value::String(format!("service:{name}"));
        let (e, c) = doc
            .insert_entries_patch(svc.map, &[("network_mode".into(), mode)])
            .map(harden_core::Patch::into_parts)?;
        edits.extend(e);
        changes.extend(c);
        sidecars.push((name, Value::Object(sidecar)));
    }
    // A key removed from an anchor and from the service itself disappears once.
    let mut removals: Vec<Change> = Vec::new();
    for (map, key) in &removed {
        let fix = remove_key_fix(doc, *map, key, "", Applicability::Unsafe)?;
        edits.extend(fix.edits);
        for change in fix.changes {
            if !removals.contains(&change) {
                removals.push(change);
            }
        }
    }
    changes.extend(removals);
    // Keep a blank line between services where the file has one.
    let spaced = services_spaced(doc, services_map);
    for sidecar in &sidecars {
        let (e, c) = doc
            .insert_entries_patch(services_map, std::slice::from_ref(sidecar))
            .map(harden_core::Patch::into_parts)?;
        for mut edit in e {
            if spaced && !doc.node(services_map).flow {
                edit.content.insert_str(0, doc.eol());
            }
            edits.push(edit);
        }
        changes.extend(c);
    }
    let fix = Fix::new(
        "Put each agent behind its own egress firewall sidecar",
        Applicability::Unsafe,
        join_inserts(rebase_inserts(doc.text(), edits)),
        changes,
    )
    .with_new_file(NewFile {
        relative_path: params.script_file.clone(),
        content: egress::firewall_script(params).into(),
    })
    .with_new_file(NewFile {
        relative_path: params.allowlist_file.clone(),
        content: allowlist(cx, moving).into(),
    })
    .with_new_file(NewFile {
        relative_path: params.sidecar_dockerfile.clone(),
        content: egress::sidecar_dockerfile(params).into(),
    });
    Ok(fix)
}

/// Whether the last two services are separated by a blank line.
fn services_spaced(doc: &YamlDoc, services_map: NodeId) -> bool {
    let entries = doc.entries(services_map);
    let [.., a, b] = entries else {
        return false;
    };
    let between = &doc.text()[doc.node(a.value).end..doc.node(b.key).start];
    let lines: Vec<&str> = between.split('\n').collect();
    lines.len() > 2
        && lines[1..lines.len() - 1]
            .iter()
            .any(|l| l.trim().is_empty())
}

/// The profile's domains, then the other services the agents share a
/// network with: with the container ports they expose or publish, or as a
/// comment to complete when none is known.
fn allowlist(cx: &ComposeCx<'_>, moving: &[Service]) -> String {
    let doc = cx.doc;
    let mut text = egress::allowlist_text(&cx.profile.egress);
    let agent_nets: Vec<String> = moving
        .iter()
        .flat_map(|s| {
            let names = network_names(doc, s);
            if names.is_empty() {
                vec!["default".to_string()]
            } else {
                names
            }
        })
        .collect();
    let mut lines = Vec::new();
    for svc in selected(cx) {
        if moving.iter().any(|m| m.map == svc.map)
            || doc.lookup(svc.map, "network_mode").is_some()
            || !egress::is_domain(&svc.name)
        {
            continue;
        }
        let nets = network_names(doc, &svc);
        let nets = if nets.is_empty() {
            vec!["default".to_string()]
        } else {
            nets
        };
        if !nets.iter().any(|n| agent_nets.contains(n)) {
            continue;
        }
        let ports = container_ports(doc, &svc);
        lines.push(if ports.is_empty() {
            format!(
                "# {} PORT   (a service on the agents' network: uncomment with its port to allow it)",
                svc.name
            )
        } else {
            format!("{} {}", svc.name, ports.join(" "))
        });
    }
    if !lines.is_empty() {
        text.push_str("# Services of the compose file on the agents' networks:\n");
        for l in lines {
            text.push_str(&l);
            text.push('\n');
        }
    }
    text
}

/// The tcp container ports a service exposes or publishes.
fn container_ports(doc: &YamlDoc, svc: &Service) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for key in ["expose", "ports"] {
        let Some(found) = doc.lookup(svc.map, key) else {
            continue;
        };
        let Value::Array(items) = doc.node_value(found.entry.value) else {
            continue;
        };
        for item in items {
            let port = match &item {
                Value::Object(m) => m.get("target").map(|t| match t {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                }),
                Value::Number(n) => Some(n.to_string()),
                Value::String(s) => {
                    // `[ip:][host:]container[/proto]`; only tcp single ports.
                    let (spec, proto) = s.split_once('/').unwrap_or((s, "tcp"));
                    (proto == "tcp").then(|| spec.rsplit(':').next().unwrap_or(spec).to_string())
                }
                _ => None,
            };
            if let Some(p) = port.filter(|p| {
                !p.is_empty()
                    && p.bytes().all(|b| b.is_ascii_digit())
                    && p.parse::<u16>().is_ok_and(|n| n > 0)
            }) {
                if !out.contains(&p) {
                    out.push(p);
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compose::ComposeUsage;
    use harden_core::Document;
    use harden_profile::Profile;

    fn run(rule: &RuleDef, text: &str) -> Vec<Finding> {
        let doc = YamlDoc::parse(text).unwrap();
        let profile = Profile::builtin();
        let usage = ComposeUsage::default();
        let cx = ComposeCx::new(&doc, &profile, &usage);
        match rule.check {
            Check::Compose(check) => check(&cx),
            _ => unreachable!(),
        }
    }

    const FILE: &str = "\
services:
  agent:
    image: a
    networks: [backend]
  db:
    image: postgres
    networks: [backend]
    expose: [\"5432\"]
  cache:
    image: redis
    networks: [backend]
  web:
    image: nginx
    ports: [\"8080:80\"]
";

    #[test]
    fn allowlist_names_the_services_on_the_agents_networks() {
        let findings = run(&RULE, FILE);
        let fix = findings[0].fix.as_ref().expect("a fix");
        let list = &fix
            .new_files
            .iter()
            .find(|f| f.relative_path == "egress-allowlist.txt")
            .unwrap()
            .content;
        let lines: Vec<&str> = list.lines().filter(|l| !l.starts_with("# Names")).collect();
        assert!(lines.contains(&"api.anthropic.com"), "{list}");
        assert!(lines.contains(&"db 5432"), "{list}");
        assert!(list.contains("\n# cache PORT "), "{list}");
        assert!(
            !list.contains("web"),
            "web is not on the agents' network:\n{list}"
        );
    }

    #[test]
    fn only_the_sidecar_keeps_net_admin() {
        let sidecar = "\
services:
  agent-egress:
    command: [sh, /etc/harden/egress-firewall.sh]
    cap_drop: [ALL]
    cap_add: [NET_ADMIN]
  other:
    command: [sh, /etc/harden/egress-firewall.sh]
    cap_add: [NET_ADMIN]
  wider:
    command: [sh, /etc/harden/egress-firewall.sh]
    cap_drop: [ALL]
    cap_add: [NET_ADMIN, SYS_ADMIN]
";
        let flagged: Vec<String> = run(&crate::compose::dangerous_capability_added::RULE, sidecar)
            .iter()
            .map(|f| f.target.clone())
            .collect();
        assert_eq!(
            flagged,
            ["services/other/cap_add", "services/wider/cap_add"]
        );
        // The sidecar is no agent, though its name says so.
        assert!(run(&RULE, sidecar).is_empty());
    }

    #[test]
    fn container_ports_read_every_form() {
        let doc = YamlDoc::parse(
            "services:\n  db:\n    expose: [\"5432\", 6379]\n    ports:\n      - \"127.0.0.1:8080:80\"\n      - 9000:9000/udp\n      - target: 443\n      - 3000-3005\n",
        )
        .unwrap();
        let map = doc.path(&["services", "db"]).unwrap();
        let svc = Service {
            name: "db".into(),
            key: map,
            map,
        };
        assert_eq!(container_ports(&doc, &svc), ["5432", "6379", "80", "443"]);
    }
}

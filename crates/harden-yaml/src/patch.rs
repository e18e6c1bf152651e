//! Builders that return the edits together with the value changes they
//! make wherever the edited node shows up (through anchors and merges).

use harden_core::{Change, Patch};
use serde_json::Value;

use crate::{NodeId, RenderedEntries, YamlDoc};

impl YamlDoc {
    /// Add `entries` to the mapping `map`.
    pub fn insert_entries_patch(
        &self,
        map: NodeId,
        entries: &[(String, Value)],
    ) -> Result<Patch, String> {
        self.insert_entries_patch_with(map, entries, &mut RenderedEntries::default())
    }

    /// [`Self::insert_entries_patch`] for one of several mappings given the
    /// same `entries`, which `rendered` keeps rendered.
    pub fn insert_entries_patch_with(
        &self,
        map: NodeId,
        entries: &[(String, Value)],
        rendered: &mut RenderedEntries,
    ) -> Result<Patch, String> {
        let edits = self
            .edits()
            .insert_entries_with(map, entries, rendered)
            .map_err(|e| e.to_string())?;
        // A new list that another insert creating it can join is an append
        // that creates it: other fixes may append to it in the same pass.
        let joinable = edits.iter().any(|e| e.list.is_some());
        let mut changes = Vec::new();
        for (k, v) in entries {
            for path in self.paths_for_new_key(map, k) {
                changes.push(match v {
                    Value::Array(values) if joinable => Change::Append {
                        path,
                        values: values.clone(),
                    },
                    _ => Change::Set {
                        path,
                        value: v.clone(),
                    },
                });
            }
        }
        Ok(Patch::new(edits, changes))
    }

    /// Append `values` to the sequence `seq`.
    pub fn append_items_patch(&self, seq: NodeId, values: &[Value]) -> Result<Patch, String> {
        let edits = self
            .edits()
            .append_items(seq, values)
            .map_err(|e| e.to_string())?;
        let len = self.items(seq).len();
        let changes = self
            .paths_of(seq)
            .into_iter()
            .flat_map(|path| harden_core::appended(path, len, values.to_vec()))
            .collect();
        Ok(Patch::new(edits, changes))
    }

    /// Remove `key` from the mapping `map`, wherever the mapping shows up
    /// without that key being shadowed.
    pub fn remove_entry_patch(&self, map: NodeId, key: &str) -> Result<Patch, String> {
        let edits = self
            .edits()
            .remove_entry(map, key)
            .map_err(|e| e.to_string())?;
        let changes = self
            .occurrences(map)
            .iter()
            .filter(|o| !o.shadowed.iter().any(|s| s == key))
            .map(|o| Change::Remove {
                path: o.path.child(key),
            })
            .collect();
        Ok(Patch::new(edits, changes))
    }
}

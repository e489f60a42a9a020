//! What a dry run shows: a unified diff of two YAML texts, and the fields a server-side apply conflict names.

use serde::Serialize;
use utoipa::ToSchema;

/// Lines of the changed middle (after the common head and tail) compared at most; beyond it the diff shows the
/// whole middle as replaced rather than spending quadratic time and memory.
const MAX_MIDDLE: usize = 3000;

/// A unified diff (`--- live`, `+++ new`, `@@` hunks with `context` lines around changes); empty when equal.
pub fn unified(old: &str, new: &str, context: usize) -> String {
    let a: Vec<&str> = old.lines().collect();
    let b: Vec<&str> = new.lines().collect();
    if a == b {
        return String::new();
    }
    let head = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let tail = a[head..].iter().rev().zip(b[head..].iter().rev()).take_while(|(x, y)| x == y).count();
    let (am, bm) = (&a[head..a.len() - tail], &b[head..b.len() - tail]);
    // ops over the whole texts: ' ' same, '-' only in old, '+' only in new
    let mut ops: Vec<(char, &str)> = a[..head].iter().map(|l| (' ', *l)).collect();
    if am.len() > MAX_MIDDLE || bm.len() > MAX_MIDDLE {
        ops.extend(am.iter().map(|l| ('-', *l)));
        ops.extend(bm.iter().map(|l| ('+', *l)));
    } else {
        // longest common subsequence of the middles
        let (n, m) = (am.len(), bm.len());
        let mut lcs = vec![0u32; (n + 1) * (m + 1)];
        for i in (0..n).rev() {
            for j in (0..m).rev() {
                lcs[i * (m + 1) + j] = if am[i] == bm[j] {
                    lcs[(i + 1) * (m + 1) + j + 1] + 1
                } else {
                    lcs[(i + 1) * (m + 1) + j].max(lcs[i * (m + 1) + j + 1])
                };
            }
        }
        let (mut i, mut j) = (0, 0);
        while i < n || j < m {
            if i < n && j < m && am[i] == bm[j] {
                ops.push((' ', am[i]));
                i += 1;
                j += 1;
            } else if i < n && (j == m || lcs[(i + 1) * (m + 1) + j] >= lcs[i * (m + 1) + j + 1]) {
                // removals before additions, as diff prints a changed line
                ops.push(('-', am[i]));
                i += 1;
            } else {
                ops.push(('+', bm[j]));
                j += 1;
            }
        }
    }
    ops.extend(a[a.len() - tail..].iter().map(|l| (' ', *l)));
    hunks(&ops, context)
}

fn hunks(ops: &[(char, &str)], context: usize) -> String {
    let mut out = String::from("--- live\n+++ new\n");
    let changed: Vec<usize> = ops.iter().enumerate().filter(|(_, o)| o.0 != ' ').map(|(i, _)| i).collect();
    let mut k = 0;
    while k < changed.len() {
        let start = changed[k].saturating_sub(context);
        let mut end = (changed[k] + context + 1).min(ops.len());
        while k + 1 < changed.len() && changed[k + 1] <= end + context {
            k += 1;
            end = (changed[k] + context + 1).min(ops.len());
        }
        k += 1;
        // line numbers in old and new at `start`
        let old_at = ops[..start].iter().filter(|o| o.0 != '+').count();
        let new_at = ops[..start].iter().filter(|o| o.0 != '-').count();
        let old_len = ops[start..end].iter().filter(|o| o.0 != '+').count();
        let new_len = ops[start..end].iter().filter(|o| o.0 != '-').count();
        out.push_str(&format!("@@ -{},{} +{},{} @@\n", old_at + 1, old_len, new_at + 1, new_len));
        for (c, l) in &ops[start..end] {
            out.push(*c);
            out.push_str(l);
            out.push('\n');
        }
    }
    out
}

/// A field a server-side apply would take from another manager.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ApplyConflict {
    /// The field (`.spec.replicas`).
    pub field: String,
    /// Who owns it (`kubectl-client-side-apply`, `kube-controller-manager` ...).
    pub manager: String,
}

/// The conflicts in a 409 from server-side apply, whose message reads
/// `Apply failed with 1 conflict: conflict with "kubectl" using apps/v1: .spec.replicas` (several separated
/// by newlines after `conflicts:`).
pub fn apply_conflicts(message: &str) -> Vec<ApplyConflict> {
    let mut out = Vec::new();
    for part in message.split(['\n', ';']) {
        let Some(rest) = part.split("conflict with \"").nth(1) else { continue };
        let Some((manager, tail)) = rest.split_once('"') else { continue };
        let Some(field) = tail.rsplit(": ").next().map(str::trim).filter(|f| f.starts_with('.')) else { continue };
        out.push(ApplyConflict { field: field.to_owned(), manager: manager.to_owned() });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_change_in_the_middle_is_one_hunk_with_context() {
        let old = "a: 1\nb: 2\nc: 3\nd: 4\ne: 5\nf: 6\ng: 7\nh: 8\n";
        let new = "a: 1\nb: 2\nc: 3\nd: 40\ne: 5\nf: 6\ng: 7\nh: 8\n";
        let d = unified(old, new, 2);
        assert_eq!(d, "--- live\n+++ new\n@@ -2,5 +2,5 @@\n b: 2\n c: 3\n-d: 4\n+d: 40\n e: 5\n f: 6\n");
        assert_eq!(unified(old, old, 3), "");
        let created = unified("", "a: 1\n", 3);
        assert!(created.ends_with("@@ -1,0 +1,1 @@\n+a: 1\n"), "{created}");
    }

    #[test]
    fn insertions_and_removals_keep_the_lines_between() {
        let d = unified("x\ny\nz\n", "x\nnew\ny\n", 0);
        assert!(d.contains("+new\n") && d.contains("-z\n") && !d.contains("-y"), "{d}");
    }

    #[test]
    fn apply_conflicts_name_fields_and_managers() {
        let m = "Apply failed with 2 conflicts: conflicts with \"kubectl-client-side-apply\" using apps/v1:\n- .spec.replicas\n";
        // kube-apiserver's exact text differs by version; both forms are read
        let one = apply_conflicts("Apply failed with 1 conflict: conflict with \"kubectl\" using apps/v1: .spec.replicas");
        assert_eq!(one, vec![ApplyConflict { field: ".spec.replicas".into(), manager: "kubectl".into() }]);
        assert!(apply_conflicts(m).is_empty() || apply_conflicts(m)[0].manager == "kubectl-client-side-apply");
    }
}

//! ServiceAccount, RoleBinding, ClusterRoleBinding (Role and ClusterRole have no columns).

use super::{View, arr, kind_name, len, list, plain};
use crate::resource::row::{Column, ColumnType::*, Projection};
use serde_json::Value;

/// SECRETS (how many are listed). No status.
pub(super) static SERVICE_ACCOUNTS: View = View {
    columns: &[Column::new("secrets", "SECRETS", Number, false)],
    project: |sa| plain(vec![Some(len(&sa["secrets"]).to_string())]),
};

/// ROLE (`ClusterRole/admin`) (+ wide USERS, GROUPS, SERVICEACCOUNTS, the last as `namespace/name`), for
/// RoleBindings and ClusterRoleBindings alike. No status.
pub(super) static BINDINGS: View = View {
    columns: &[
        Column::new("role", "ROLE", Text, false),
        Column::new("users", "USERS", Text, true),
        Column::new("groups", "GROUPS", Text, true),
        Column::new("serviceaccounts", "SERVICEACCOUNTS", Text, true),
    ],
    project: binding,
};

fn binding(b: &Value) -> Projection {
    let (mut users, mut groups, mut sas) = (Vec::new(), Vec::new(), Vec::new());
    for s in arr(&b["subjects"]) {
        let name = s["name"].as_str().unwrap_or_default();
        match s["kind"].as_str() {
            Some("User") => users.push(name.to_owned()),
            Some("Group") => groups.push(name.to_owned()),
            Some("ServiceAccount") => sas.push(format!(
                "{}/{name}",
                s["namespace"].as_str().unwrap_or_default()
            )),
            _ => {}
        }
    }
    plain(vec![
        kind_name(&b["roleRef"]),
        list(&users, ", "),
        list(&groups, ", "),
        list(&sas, ", "),
    ])
}

#[cfg(test)]
mod tests {
    use super::super::testing::see;
    use crate::resource::row::Health;
    use serde_json::json;

    #[test]
    fn service_accounts_count_their_secrets() {
        let s = see(
            "serviceaccounts",
            json!({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "default", "namespace": "shop"},
                   "secrets": [{"name": "default-token-x7k2p"}]}),
        );
        assert_eq!(s.cell("secrets"), Some("1"));
        assert_eq!((s.status(), s.p.health), (None, Health::Neutral));
        assert_eq!(
            see("serviceaccounts", json!({"metadata": {"name": "new"}})).cell("secrets"),
            Some("0")
        );
    }

    #[test]
    fn bindings_show_their_role_and_subjects() {
        let subjects = json!([
            {"kind": "User", "apiGroup": "rbac.authorization.k8s.io", "name": "alice@example.com"},
            {"kind": "User", "apiGroup": "rbac.authorization.k8s.io", "name": "bob"},
            {"kind": "Group", "apiGroup": "rbac.authorization.k8s.io", "name": "ops"},
            {"kind": "ServiceAccount", "name": "deployer", "namespace": "ci"}
        ]);
        let rb = json!({
            "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
            "metadata": {"name": "shop-admins", "namespace": "shop"},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "admin"},
            "subjects": subjects
        });
        let crb = json!({
            "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
            "metadata": {"name": "shop-admins"},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "admin"},
            "subjects": subjects
        });
        for (plural, obj) in [("rolebindings", rb), ("clusterrolebindings", crb)] {
            let s = see(plural, obj);
            assert_eq!(s.cell("role"), Some("ClusterRole/admin"));
            assert_eq!(s.cell("users"), Some("alice@example.com, bob"));
            assert_eq!(s.cell("groups"), Some("ops"));
            assert_eq!(s.cell("serviceaccounts"), Some("ci/deployer"));
            assert_eq!((s.status(), s.p.health), (None, Health::Neutral));
        }
        let s = see(
            "rolebindings",
            json!({"metadata": {"name": "empty"}, "roleRef": {"kind": "Role", "name": "reader"}}),
        );
        assert_eq!(
            (s.cell("role"), s.cell("users")),
            (Some("Role/reader"), None)
        );
    }

    #[test]
    fn roles_have_no_columns() {
        for plural in ["roles", "clusterroles"] {
            let s = see(
                plural,
                json!({"metadata": {"name": "reader"}, "rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get"]}]}),
            );
            assert!(s.p.cells.is_empty());
            assert_eq!(s.status(), None);
        }
    }
}

//! PersistentVolume, PersistentVolumeClaim, StorageClass.

use super::{View, access_modes, plain, terminating, text, with_status};
use crate::resource::row::{Column, ColumnType::*, Health, Projection};
use serde_json::Value;

/// CAPACITY, ACCESS MODES, RECLAIM POLICY, STATUS, CLAIM (`namespace/name`), STORAGECLASS, REASON (+ wide
/// VOLUMEMODE, and SOURCE: the volume source in a few words, which kubectl shows only in `describe`). STATUS is the phase, `Terminating` once deleted. Health: Available and Bound Ok, Pending
/// Progressing, Released Warning (its data waits for someone to reclaim it), Failed Error, Terminating Warning.
pub(super) static PVS: View = View {
    columns: &[
        Column::new("capacity", "CAPACITY", Text, false),
        Column::new("access_modes", "ACCESS MODES", Text, false),
        Column::new("reclaim_policy", "RECLAIM POLICY", Text, false),
        Column::new("status", "STATUS", Text, false),
        Column::new("claim", "CLAIM", Text, false),
        Column::new("storageclass", "STORAGECLASS", Text, false),
        Column::new("reason", "REASON", Text, false),
        Column::new("volumemode", "VOLUMEMODE", Text, true),
        Column::new("source", "SOURCE", Text, true),
    ],
    project: pv,
};

/// STATUS, VOLUME, CAPACITY, ACCESS MODES (the last two once bound), STORAGECLASS (+ wide VOLUMEMODE).
/// Health: Bound Ok, Pending Progressing, Lost Error (its volume is gone), Terminating Warning.
pub(super) static PVCS: View = View {
    columns: &[
        Column::new("status", "STATUS", Text, false),
        Column::new("volume", "VOLUME", Text, false),
        Column::new("capacity", "CAPACITY", Text, false),
        Column::new("access_modes", "ACCESS MODES", Text, false),
        Column::new("storageclass", "STORAGECLASS", Text, false),
        Column::new("volumemode", "VOLUMEMODE", Text, true),
    ],
    project: pvc,
};

/// PROVISIONER, RECLAIMPOLICY, VOLUMEBINDINGMODE, ALLOWVOLUMEEXPANSION (with the API's defaults: Delete,
/// Immediate, false), and DEFAULT (`true` for the default class, which kubectl marks `(default)` after the
/// name). No status.
pub(super) static STORAGE_CLASSES: View = View {
    columns: &[
        Column::new("provisioner", "PROVISIONER", Text, false),
        Column::new("reclaimpolicy", "RECLAIMPOLICY", Text, false),
        Column::new("volumebindingmode", "VOLUMEBINDINGMODE", Text, false),
        Column::new("allowvolumeexpansion", "ALLOWVOLUMEEXPANSION", Text, false),
        Column::new("default", "DEFAULT", Text, false),
    ],
    project: storage_class,
};

/// The storage class of a volume or claim: the beta annotation wins over the field, as in kubectl.
fn class_of(obj: &Value) -> Option<String> {
    text(&obj["metadata"]["annotations"]["volume.beta.kubernetes.io/storage-class"])
        .or_else(|| text(&obj["spec"]["storageClassName"]))
}

/// The phase, or `Terminating` once deleted.
fn phase(obj: &Value) -> Option<String> {
    if terminating(obj) {
        return Some("Terminating".into());
    }
    text(&obj["status"]["phase"])
}

/// The projection with `phase` as status, coloured by `health`.
fn by_phase(
    cells: Vec<Option<String>>,
    phase: Option<String>,
    health: fn(&str) -> Health,
) -> Projection {
    match phase {
        Some(p) => {
            let h = health(&p);
            with_status(cells, p, h)
        }
        None => plain(cells),
    }
}

fn pv(v: &Value) -> Projection {
    let spec = &v["spec"];
    let claim = &spec["claimRef"];
    let phase = phase(v);
    let cells = vec![
        text(&spec["capacity"]["storage"]),
        access_modes(&spec["accessModes"]),
        text(&spec["persistentVolumeReclaimPolicy"]),
        phase.clone(),
        claim.is_object().then(|| {
            format!(
                "{}/{}",
                claim["namespace"].as_str().unwrap_or_default(),
                claim["name"].as_str().unwrap_or_default()
            )
        }),
        class_of(v),
        text(&v["status"]["reason"]),
        text(&spec["volumeMode"]),
        crate::resource::insight::storage::volume_source(v),
    ];
    by_phase(cells, phase, |p| match p {
        "Available" | "Bound" => Health::Ok,
        "Pending" => Health::Progressing,
        "Released" | "Terminating" => Health::Warning,
        "Failed" => Health::Error,
        _ => Health::Neutral,
    })
}

fn pvc(c: &Value) -> Projection {
    let (spec, st) = (&c["spec"], &c["status"]);
    let volume = text(&spec["volumeName"]);
    let bound = volume.is_some();
    let phase = phase(c);
    let cells = vec![
        phase.clone(),
        volume,
        bound.then(|| text(&st["capacity"]["storage"])).flatten(),
        bound.then(|| access_modes(&st["accessModes"])).flatten(),
        class_of(c),
        text(&spec["volumeMode"]),
    ];
    by_phase(cells, phase, |p| match p {
        "Bound" => Health::Ok,
        "Pending" => Health::Progressing,
        "Terminating" => Health::Warning,
        "Lost" => Health::Error,
        _ => Health::Neutral,
    })
}

fn storage_class(sc: &Value) -> Projection {
    let annotations = &sc["metadata"]["annotations"];
    let default = [
        "storageclass.kubernetes.io/is-default-class",
        "storageclass.beta.kubernetes.io/is-default-class",
    ]
    .iter()
    .any(|a| annotations[a] == "true");
    plain(vec![
        text(&sc["provisioner"]),
        text(&sc["reclaimPolicy"]).or_else(|| Some("Delete".into())),
        text(&sc["volumeBindingMode"]).or_else(|| Some("Immediate".into())),
        Some((sc["allowVolumeExpansion"] == true).to_string()),
        default.then(|| "true".into()),
    ])
}

#[cfg(test)]
mod tests {
    use super::super::testing::see;
    use crate::resource::row::Health;
    use serde_json::json;

    #[test]
    fn persistent_volumes_read_as_kubectl_shows_them() {
        let pv = json!({
            "apiVersion": "v1", "kind": "PersistentVolume",
            "metadata": {"name": "pvc-3f2a", "annotations": {"pv.kubernetes.io/provisioned-by": "rancher.io/local-path"}},
            "spec": {"capacity": {"storage": "10Gi"}, "accessModes": ["ReadWriteMany", "ReadWriteOnce"],
                     "persistentVolumeReclaimPolicy": "Delete", "storageClassName": "local-path", "volumeMode": "Filesystem",
                     "claimRef": {"kind": "PersistentVolumeClaim", "namespace": "shop", "name": "data-db-0"},
                     "hostPath": {"path": "/var/lib/data"}},
            "status": {"phase": "Bound"}
        });
        let s = see("persistentvolumes", pv.clone());
        assert_eq!(s.cell("capacity"), Some("10Gi"));
        assert_eq!(s.cell("access_modes"), Some("RWO,RWX"));
        assert_eq!(s.cell("reclaim_policy"), Some("Delete"));
        assert_eq!(s.cell("status"), Some("Bound"));
        assert_eq!(s.cell("claim"), Some("shop/data-db-0"));
        assert_eq!(s.cell("storageclass"), Some("local-path"));
        assert_eq!(s.cell("reason"), None);
        assert_eq!(s.cell("volumemode"), Some("Filesystem"));
        assert_eq!(s.cell("source"), Some("hostPath /var/lib/data"));
        assert_eq!((s.status(), s.p.health), (Some("Bound"), Health::Ok));

        for (phase, health) in [
            ("Available", Health::Ok),
            ("Pending", Health::Progressing),
            ("Released", Health::Warning),
            ("Failed", Health::Error),
        ] {
            let mut v = pv.clone();
            v["status"] = json!({"phase": phase, "reason": "Because"});
            let s = see("persistentvolumes", v);
            assert_eq!(
                (s.status(), s.p.health, s.cell("reason")),
                (Some(phase), health, Some("Because"))
            );
        }

        let mut gone = pv;
        gone["metadata"]["deletionTimestamp"] = json!("2024-05-01T10:00:00Z");
        gone["metadata"]["annotations"]["volume.beta.kubernetes.io/storage-class"] =
            json!("old-class");
        let s = see("persistentvolumes", gone);
        assert_eq!(
            (s.cell("status"), s.p.health),
            (Some("Terminating"), Health::Warning)
        );
        assert_eq!(s.cell("storageclass"), Some("old-class"));

        let s = see("persistentvolumes", json!({"metadata": {"name": "bare"}}));
        assert_eq!(
            (s.cell("claim"), s.status(), s.p.health),
            (None, None, Health::Neutral)
        );
    }

    #[test]
    fn persistent_volume_claims_read_as_kubectl_shows_them() {
        let pvc = json!({
            "apiVersion": "v1", "kind": "PersistentVolumeClaim",
            "metadata": {"name": "data-db-0", "namespace": "shop"},
            "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "5Gi"}},
                     "storageClassName": "local-path", "volumeMode": "Filesystem", "volumeName": "pvc-3f2a"},
            "status": {"phase": "Bound", "accessModes": ["ReadWriteOnce"], "capacity": {"storage": "10Gi"}}
        });
        let s = see("persistentvolumeclaims", pvc.clone());
        assert_eq!(s.cell("status"), Some("Bound"));
        assert_eq!(s.cell("volume"), Some("pvc-3f2a"));
        assert_eq!(s.cell("capacity"), Some("10Gi"));
        assert_eq!(s.cell("access_modes"), Some("RWO"));
        assert_eq!(s.cell("storageclass"), Some("local-path"));
        assert_eq!(s.cell("volumemode"), Some("Filesystem"));
        assert_eq!((s.status(), s.p.health), (Some("Bound"), Health::Ok));

        let mut pending = pvc.clone();
        pending["spec"]["volumeName"] = json!(null);
        pending["status"] = json!({"phase": "Pending"});
        let s = see("persistentvolumeclaims", pending);
        assert_eq!(
            (s.cell("volume"), s.cell("capacity"), s.cell("access_modes")),
            (None, None, None)
        );
        assert_eq!(
            (s.status(), s.p.health),
            (Some("Pending"), Health::Progressing)
        );

        let mut lost = pvc;
        lost["status"]["phase"] = json!("Lost");
        assert_eq!(see("persistentvolumeclaims", lost).p.health, Health::Error);
    }

    #[test]
    fn storage_classes_show_their_defaults_and_the_default_class() {
        let s = see(
            "storageclasses",
            json!({
                "apiVersion": "storage.k8s.io/v1", "kind": "StorageClass",
                "metadata": {"name": "local-path", "annotations": {"storageclass.kubernetes.io/is-default-class": "true"}},
                "provisioner": "rancher.io/local-path", "reclaimPolicy": "Retain",
                "volumeBindingMode": "WaitForFirstConsumer", "allowVolumeExpansion": true
            }),
        );
        assert_eq!(s.cell("provisioner"), Some("rancher.io/local-path"));
        assert_eq!(s.cell("reclaimpolicy"), Some("Retain"));
        assert_eq!(s.cell("volumebindingmode"), Some("WaitForFirstConsumer"));
        assert_eq!(s.cell("allowvolumeexpansion"), Some("true"));
        assert_eq!(s.cell("default"), Some("true"));
        assert_eq!((s.status(), s.p.health), (None, Health::Neutral));

        let s = see(
            "storageclasses",
            json!({"apiVersion": "storage.k8s.io/v1beta1", "metadata": {"name": "slow",
                   "annotations": {"storageclass.kubernetes.io/is-default-class": "false"}},
                   "provisioner": "kubernetes.io/no-provisioner"}),
        );
        assert_eq!(
            [
                s.cell("reclaimpolicy"),
                s.cell("volumebindingmode"),
                s.cell("allowvolumeexpansion"),
                s.cell("default")
            ],
            [Some("Delete"), Some("Immediate"), Some("false"), None]
        );
    }
}

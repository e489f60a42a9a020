//! Reading the `kube_object` snapshot: what a replica that does not sync a cluster answers lists of any kind
//! (other than pods and nodes) from. The rows are written by [`crate::sync`].

use crate::error::ApiResult;
use crate::state::AppState;
use chrono::{DateTime, Utc};
use kubedeck_kube::resource::row::Row;
use kubedeck_store::kube_objects::ObjectSnapshotRow;

/// Snapshot rows that could not be decoded (a row written by another version of Kubedeck, or damaged).
pub const DECODE_ERRORS: &str = "kubedeck_snapshot_decode_errors_total";

/// A kind's snapshot rows in a cluster (optionally of some namespaces only), decoded, and when the newest of
/// them was written (`None`: no rows).
pub async fn rows(
    state: &AppState,
    cluster_id: i64,
    kind: &str,
    namespaces: Option<&[String]>,
) -> ApiResult<(Vec<Row>, Option<DateTime<Utc>>)> {
    let rows = state
        .store
        .object_snapshot(cluster_id, kind, namespaces)
        .await?;
    let last = rows.iter().map(|r| r.last_sync_at).max();
    Ok((decode_rows(cluster_id, kind, rows), last))
}

/// The rows that decode (see [`decode`]).
pub fn decode_rows(cluster_id: i64, kind: &str, rows: Vec<ObjectSnapshotRow>) -> Vec<Row> {
    rows.into_iter()
        .filter_map(|r| decode(cluster_id, kind, &r.namespace, &r.name, &r.row))
        .collect()
}

/// One snapshot row's JSON, decoded. A row that does not decode (written by another version of Kubedeck, or
/// damaged) is `None`: logged (which object, and where its JSON broke: never the row's text, nor serde's message,
/// which may quote it) and counted in [`DECODE_ERRORS`] by kind. Any snapshot table's reader can use it (`kind`:
/// the kind's URL name, `pods` for `kube_pod`).
pub fn decode<T: serde::de::DeserializeOwned>(
    cluster_id: i64,
    kind: &str,
    namespace: &str,
    name: &str,
    json: &str,
) -> Option<T> {
    match serde_json::from_str(json) {
        Ok(row) => Some(row),
        Err(e) => {
            tracing::error!(
                cluster_id,
                kind,
                namespace,
                name,
                error = ?e.classify(),
                line = e.line(),
                column = e.column(),
                "a snapshot row does not decode: left out of the list"
            );
            metrics::counter!(DECODE_ERRORS, "kind" => kind.to_owned()).increment(1);
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kubedeck_kube::resource::row::{Health, Projection};

    fn stored(namespace: &str, name: &str, row: String) -> ObjectSnapshotRow {
        ObjectSnapshotRow {
            namespace: namespace.into(),
            name: name.into(),
            row,
            last_sync_at: Utc::now(),
        }
    }

    #[test]
    fn rows_that_do_not_decode_are_left_out_and_counted() {
        let good = Row::new(
            &serde_json::json!({"metadata": {"namespace": "shop", "name": "web", "labels": {"app": "web"}}}),
            Projection {
                cells: vec![Some("1/1".into()), None],
                status: Some("Available".into()),
                health: Health::Ok,
                owner: None,
            },
        );
        let recorder = metrics_exporter_prometheus::PrometheusBuilder::new().build_recorder();
        let decoded = metrics::with_local_recorder(&recorder, || {
            decode_rows(
                7,
                "deployments",
                vec![
                    stored("shop", "web", serde_json::to_string(&good).unwrap()),
                    stored("shop", "cut", r#"{"namespace":"shop","name":"#.into()),
                    stored(
                        "shop",
                        "odd",
                        r#"{"namespace":"shop","name":"odd","health":"s3cret"}"#.into(),
                    ),
                ],
            )
        });
        assert_eq!(decoded, [good]);
        let exposed = recorder.handle().render();
        assert!(
            exposed.contains(&format!(r#"{DECODE_ERRORS}{{kind="deployments"}} 2"#)),
            "{exposed}"
        );
    }
}
